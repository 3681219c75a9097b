import type { LoadedConfig } from "../config/index.js";
import { SparkError } from "../core/index.js";
import { createModelClient, resolveModel, type LocalEngine, type ModelClient, type PoolMember, type ResolvedModel } from "../models/index.js";
import type { Backend, MemberBackend, PoolBackend } from "./backend.js";
import { GatewayError } from "./openai-error.js";
import type { PoolRegistry } from "./pool-registry.js";

export type { Backend, MemberBackend, PoolBackend, RemoteTarget } from "./backend.js";

/** How an error names the backend that refused a request's field. */
export function describeBackend(backend: Backend): string {
  if (backend.kind === "local") return `the local model '${backend.name}'`;
  if (backend.kind === "pool") return `the model '${backend.name}' (a pool of ${backend.pool.replicas.length} replicas)`;
  return `the model '${backend.name}' (its upstream speaks ${backend.target.api === "responses" ? "the Responses API" : "Chat Completions"})`;
}

export interface RouterDependencies {
  loaded: LoadedConfig;
  env: NodeJS.ProcessEnv;
  cwd: string;
  localEngine: () => Promise<LocalEngine>;
  /** Where pooled models keep their replicas' state (one per gateway). */
  pools: PoolRegistry;
}

export interface ListedModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

const MAX_CACHED = 1000;

function isLoopback(url: string): boolean {
  return /^https?:\/\/(127\.|localhost|\[::1\])/.test(url);
}

/**
 * Resolves the `model` of a request through Spark's registry (aliases, [models.*], providers) and keeps
 * one client per name. Clients may not name files on the gateway's disk (`local:` / `hf:`) directly: only
 * names the operator configured reach the local engine.
 */
export class ModelRouter {
  private readonly backends = new Map<string, Backend>();
  private readonly clients = new Map<string, Promise<ModelClient>>();

  constructor(private readonly deps: RouterDependencies) {}

  /** Names the config defines: default model, aliases, [models.*] and [gateway] models. */
  configuredNames(): string[] {
    const { config } = this.deps.loaded;
    return [
      ...new Set([...(config.model ? [config.model] : []), ...Object.keys(config.aliases ?? {}), ...Object.keys(config.models ?? {}), ...(config.gateway?.models ?? [])]),
    ];
  }

  resolve(name: string): Backend {
    const cached = this.backends.get(name);
    if (cached) return cached;
    const backend = this.build(name);
    if (this.backends.size < MAX_CACHED) this.backends.set(name, backend);
    return backend;
  }

  /** `why`: how the name would have been served, when it matters to the one who asked. */
  private notFound(name: string, why = ""): GatewayError {
    const names = this.configuredNames();
    const list = names.length ? ` Models here: ${names.join(", ")}.` : "";
    return new GatewayError(404, `The model '${name}' does not exist on this gateway.${why}${list} GET /v1/models lists them.`, "model_unknown", "model");
  }

  private build(name: string): Backend {
    const configured = this.configuredNames().includes(name);
    if (!configured && /^(local|hf):/.test(name)) throw this.notFound(name);
    let resolved: ResolvedModel;
    try {
      resolved = resolveModel(name, { loaded: this.deps.loaded, env: this.deps.env, cwd: this.deps.cwd });
    } catch (error) {
      if (error instanceof SparkError && (error.code === "model_unknown" || error.code === "model_not_configured")) throw this.notFound(name);
      throw error;
    }
    if (resolved.pool !== undefined) return this.pool(name, resolved, resolved.pool);
    const client = () => this.client(name, resolved);
    const { target } = resolved;
    if (target.kind !== "remote") return { kind: "local", name, resolved, client };
    const apiKey = target.apiKeyEnv ? this.deps.env[target.apiKeyEnv] : undefined;
    if (target.apiKeyEnv && !apiKey && !isLoopback(target.baseUrl)) {
      // A name the config does not mention only resolved by its shape (gpt-*, PROVIDER/MODEL): the gateway does not serve it.
      if (!configured) throw this.notFound(name, ` Names like it go to ${target.provider}, but $${target.apiKeyEnv} is not set where the gateway runs.`);
      throw new GatewayError(503, `The model '${name}' is configured but the gateway has no key for it ($${target.apiKeyEnv} is not set where the gateway runs). Ask the operator to set it.`, "model_unavailable", "model");
    }
    return { kind: "upstream", name, resolved, target, apiKey, client };
  }

  /** A replica as the routes call it; undefined (with why) when its key is not set where the gateway runs. */
  private member(poolName: string, resolved: ResolvedModel, member: PoolMember): { handle?: MemberBackend; unusable?: string } {
    const memberResolved: ResolvedModel = { name: resolved.name, chain: resolved.chain, target: member.target, settings: resolved.settings };
    const client = () => this.client(`${poolName}#${member.id}`, memberResolved);
    const { target } = member;
    if (target.kind !== "remote") return { handle: { kind: "local", name: resolved.name, resolved: memberResolved, client } };
    const apiKey = target.apiKeyEnv ? this.deps.env[target.apiKeyEnv] : undefined;
    if (target.apiKeyEnv && !apiKey && !isLoopback(target.baseUrl)) return { unusable: `$${target.apiKeyEnv} is not set where the gateway runs` };
    return { handle: { kind: "upstream", name: resolved.name, resolved: memberResolved, target, apiKey, client } };
  }

  /** One pool per configured pool name, its replicas' health and load kept for the gateway's life. */
  private pool(name: string, resolved: ResolvedModel, members: PoolMember[]): PoolBackend {
    const poolName = resolved.chain[resolved.chain.length - 1] ?? name;
    const pool = this.deps.pools.get(poolName, () => members.map((member) => ({ member, ...this.member(poolName, resolved, member) })));
    if (!pool.replicas.some((replica) => replica.handle !== undefined)) {
      const why = pool.replicas.map((replica) => replica.unusable).filter((text) => text !== undefined);
      throw new GatewayError(503, `The model '${name}' is configured but none of its replicas can be used (${[...new Set(why)].join("; ")}). Ask the operator to set the keys.`, "model_unavailable", "model");
    }
    return { kind: "pool", name, resolved, pool };
  }

  private client(name: string, resolved: ResolvedModel): Promise<ModelClient> {
    let client = this.clients.get(name);
    if (!client) {
      const { network, local } = this.deps.loaded.config;
      client = createModelClient(resolved, {
        env: this.deps.env,
        localEngine: this.deps.localEngine,
        ...(local?.speculation === false ? { speculation: false } : {}),
        // The gateway's client retries itself; a retry here would double the latency it sees.
        maxRetries: 0,
        ...(network?.timeout_ms !== undefined ? { timeoutMs: network.timeout_ms } : {}),
      });
      this.clients.set(name, client);
      client.catch(() => this.clients.delete(name));
    }
    return client;
  }

  /** Builds every configured pool now, so probes and /metrics cover them before their first request. */
  openPools(): void {
    for (const [name, entry] of Object.entries(this.deps.loaded.config.models ?? {})) {
      if (entry.upstreams === undefined) continue;
      try {
        this.resolve(name);
      } catch {
        // Said again to each request for it (a key that is not set).
      }
    }
  }

  /** The configured names that resolve, for GET /v1/models. */
  list(): ListedModel[] {
    return this.configuredNames().flatMap((name): ListedModel[] => {
      try {
        const backend = this.resolve(name);
        const owner = backend.kind === "local" ? "spark-local" : backend.kind === "pool" ? "spark-pool" : backend.target.provider;
        return [{ id: name, object: "model", created: 0, owned_by: owner }];
      } catch {
        return [];
      }
    });
  }

  async close(): Promise<void> {
    this.deps.pools.close();
    const clients = await Promise.allSettled(this.clients.values());
    for (const result of clients) if (result.status === "fulfilled") await result.value.close().catch(() => undefined);
    this.clients.clear();
  }
}
