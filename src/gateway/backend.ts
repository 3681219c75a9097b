import type { ModelClient, ModelTarget, ResolvedModel } from "../models/index.js";
import { withoutUpstreamAddress } from "./upstream-address.js";
import type { UpstreamPool } from "./upstream-pool.js";

export type RemoteTarget = Extract<ModelTarget, { kind: "remote" }>;

export interface LocalBackend {
  kind: "local";
  name: string;
  resolved: ResolvedModel;
  client(): Promise<ModelClient>;
}

export interface UpstreamBackend {
  kind: "upstream";
  name: string;
  resolved: ResolvedModel;
  target: RemoteTarget;
  apiKey: string | undefined;
  client(): Promise<ModelClient>;
}

/** One replica of a pool: the local engine or an upstream. */
export type MemberBackend = LocalBackend | UpstreamBackend;

/**
 * Several replicas serving one name (`[models.NAME] upstreams`). It has no client of its own: each request
 * runs on the replica the pool picks for it (pool-run.ts), so none bypasses affinity and failover.
 */
export interface PoolBackend {
  kind: "pool";
  name: string;
  resolved: ResolvedModel;
  pool: UpstreamPool<MemberBackend>;
}

/** Where one model name goes: the engine in this process, an OpenAI-compatible upstream, or a pool of them. */
export type Backend = MemberBackend | PoolBackend;

function members(backend: Backend): MemberBackend[] {
  if (backend.kind !== "pool") return [backend];
  return backend.pool.replicas.flatMap((replica) => (replica.handle ? [replica.handle] : []));
}

/** The names a backend's requests go by, for its rate-limit family: its alias chain and the upstreams' model names. */
export function backendModelNames(backend: Backend): string[] {
  const upstreamNames = members(backend).flatMap((member) => (member.kind === "upstream" ? [member.target.model] : []));
  return [...new Set([...backend.resolved.chain, ...upstreamNames])];
}

/** An error message as a client may see it: without the address of any upstream behind the backend. */
export function hideUpstreamAddresses(backend: Backend): (message: string) => string {
  const urls = members(backend).flatMap((member) => (member.kind === "upstream" ? [member.target.baseUrl] : []));
  return (message) => urls.reduce((text, url) => withoutUpstreamAddress(text, url), message);
}
