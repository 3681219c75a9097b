import { SparkError } from "../core/index.js";
import { isConfiguredModel, REVIEW_ALIAS, type LoadedConfig } from "../config/index.js";
import {
  createLocalEngine,
  createModelClient,
  resolveModel,
  type ClientDependencies,
  type DownloadProgress,
  type LocalEngine,
  type ModelClient,
  type ResolveContext,
  type ResolvedModel,
} from "../models/index.js";
import { kvCacheSettings } from "./kv-cache-settings.js";

const disposedError = () => new SparkError("internal", "The model runtime was disposed: open a new one (this is a bug in the caller, please report it).");

/** A model opened through the runtime: the name it was asked by, its client, and what the name resolved to. */
export interface OpenedModel {
  name: string;
  client: ModelClient;
  resolved: ResolvedModel;
}

/** fast: `-m` or the configured default; review: the strong model; compact: the one that summarises old turns. */
export type ModelRole = "fast" | "review" | "compact";

export interface RuntimeOptions {
  loaded: LoadedConfig;
  /** The process's environment when absent. */
  env?: NodeJS.ProcessEnv | undefined;
  /** The process's working directory when absent (relative `local:` paths resolve from it). */
  cwd?: string | undefined;
  /** `-m`: the fast role's name; the config's default model when absent. */
  fastModel?: string | undefined;
  /** `--review-model`: the review role's name; the `review` alias, where configured, when absent. */
  reviewModel?: string | undefined;
  /** Stops a model download under way. */
  signal?: AbortSignal | undefined;
  onDownloadProgress?: ((file: string, progress: DownloadProgress) => void) | undefined;
  /** False: no KV states are kept on disk between processes (`spark bench`, whose cold calls must stay cold). */
  kvCache?: false | undefined;
}

/**
 * The models of one process: one local engine, started when a local model is first used and shared by
 * every model opened here (the fast and the review model load into the same llama.cpp binding), names
 * resolved with one config, env and cwd, and every client closed, then the engine unloaded, by one
 * `dispose`. Every front end (CLI, session, gateway, language server, MCP server) starts from one.
 */
export class ModelRuntime {
  readonly loaded: LoadedConfig;
  readonly resolveContext: ResolveContext;
  /** What every client opened here is built with: env, the shared engine, retries, timeout, download progress. */
  readonly dependencies: ClientDependencies;
  private engine: Promise<LocalEngine> | undefined;
  private readonly clients: ModelClient[] = [];
  private disposed: Promise<void> | undefined;

  constructor(private readonly options: RuntimeOptions) {
    this.loaded = options.loaded;
    this.resolveContext = { loaded: options.loaded, env: options.env ?? process.env, cwd: options.cwd ?? process.cwd() };
    const { local, network } = options.loaded.config;
    this.dependencies = {
      env: this.resolveContext.env,
      localEngine: () => this.localEngine(),
      ...(local?.speculation === false ? { speculation: false } : {}),
      ...(network?.max_retries !== undefined ? { maxRetries: network.max_retries } : {}),
      ...(network?.timeout_ms !== undefined ? { timeoutMs: network.timeout_ms } : {}),
      ...(options.onDownloadProgress ? { onDownloadProgress: options.onDownloadProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }

  /** The process's local engine, created on first use; after dispose none is made again. */
  localEngine(): Promise<LocalEngine> {
    if (this.disposed) return Promise.reject(disposedError());
    const { local } = this.loaded.config;
    this.engine ??= createLocalEngine({ threads: local?.threads, gpu: local?.gpu, sequences: local?.sequences, kvCache: this.options.kvCache === false ? undefined : kvCacheSettings(this.loaded, this.resolveContext.env) });
    return this.engine;
  }

  /** Resolves a name (alias, PROVIDER/MODEL, local:…; undefined: the configured default); throws a ModelError saying what to do. */
  resolve(name: string | undefined): ResolvedModel {
    return resolveModel(name, this.resolveContext);
  }

  /** Whether the config defines `name` (an alias or a `[models.*]` entry). */
  isConfigured(name: string): boolean {
    return isConfiguredModel(this.loaded.config, name);
  }

  /**
   * The name a role goes by. undefined means the configured default for `fast`, and no such model for
   * `review` (no `--review-model`, no `review` alias) and `compact` (no `[context] compact_model`, no `review`).
   */
  roleName(role: ModelRole): string | undefined {
    const configuredReview = this.isConfigured(REVIEW_ALIAS) ? REVIEW_ALIAS : undefined;
    if (role === "fast") return this.options.fastModel;
    if (role === "review") return this.options.reviewModel ?? configuredReview;
    return this.loaded.config.context?.compact_model ?? configuredReview;
  }

  /** Opens a model on the shared engine; it is closed by dispose. `speculation: false` opens it with plain decoding. */
  async open(name: string | undefined, overrides: { speculation?: false } = {}): Promise<OpenedModel> {
    // A client opened now would never be closed.
    if (this.disposed) throw disposedError();
    const resolved = this.resolve(name);
    const client = await createModelClient(resolved, { ...this.dependencies, ...overrides });
    this.clients.push(client);
    return { name: resolved.name, client, resolved };
  }

  /** Opens the fast role's model, a front end's first; when that fails the runtime is disposed before the error is thrown. */
  async openFast(): Promise<OpenedModel> {
    try {
      return await this.open(this.roleName("fast"));
    } catch (error) {
      await this.dispose();
      throw error;
    }
  }

  /** Closes every client opened here (each once its running calls end), then unloads the engine. Once; later calls wait for the same. */
  dispose(): Promise<void> {
    this.disposed ??= (async () => {
      await Promise.allSettled(this.clients.map((client) => client.close()));
      // An engine that failed to start was reported where it was needed; one that fails to unload is gone with the process.
      await this.engine?.then((engine) => engine.dispose()).catch(() => undefined);
    })();
    return this.disposed;
  }
}
