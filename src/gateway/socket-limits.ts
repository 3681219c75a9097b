import type { ConfigFile } from "../config/index.js";

/** The bounds of the Responses WebSocket, so that no client can grow the gateway's memory or work. */
export interface SocketLimits {
  maxSockets: number;
  /** Sockets one API key may hold at once (anonymous sockets, without keys, only count toward `maxSockets`). */
  maxSocketsPerKey: number;
  /** Largest frame accepted, in bytes: the HTTP body limit (a `response.create` is a POST body). */
  maxPayloadBytes: number;
  maxLanes: number;
  /** `response.create` events waiting behind the running one in a named lane. */
  maxQueued: number;
  chainMaxResponses: number;
  chainMaxBytes: number;
  chainTtlMs: number;
  /** Longest `stream_id` accepted, in characters. */
  maxStreamIdLength: number;
  /** A ping this often; a peer that did not answer the last one is dropped. */
  pingIntervalMs: number;
  /** How long one socket may live. */
  maxLifetimeMs: number;
}

export const DEFAULT_SOCKET_LIMITS = {
  maxSockets: 256,
  maxSocketsPerKey: 16,
  maxLanes: 8,
  maxQueued: 4,
  chainMaxResponses: 64,
  chainMaxBytes: 16 * 1024 * 1024,
  chainTtlMs: 60 * 60 * 1000,
  maxStreamIdLength: 128,
  pingIntervalMs: 30_000,
  maxLifetimeMs: 60 * 60 * 1000,
} as const;

export function socketLimits(config: ConfigFile, bodyLimit: number): SocketLimits {
  const section = config.gateway?.websocket;
  return {
    maxSockets: section?.max_sockets ?? DEFAULT_SOCKET_LIMITS.maxSockets,
    maxSocketsPerKey: section?.max_sockets_per_key ?? DEFAULT_SOCKET_LIMITS.maxSocketsPerKey,
    maxPayloadBytes: bodyLimit,
    maxLanes: section?.max_lanes ?? DEFAULT_SOCKET_LIMITS.maxLanes,
    maxQueued: section?.max_queued ?? DEFAULT_SOCKET_LIMITS.maxQueued,
    chainMaxResponses: section?.chain_max_responses ?? DEFAULT_SOCKET_LIMITS.chainMaxResponses,
    chainMaxBytes: section?.chain_max_bytes ?? DEFAULT_SOCKET_LIMITS.chainMaxBytes,
    chainTtlMs: section?.chain_ttl_ms ?? DEFAULT_SOCKET_LIMITS.chainTtlMs,
    maxStreamIdLength: DEFAULT_SOCKET_LIMITS.maxStreamIdLength,
    pingIntervalMs: section?.ping_interval_ms ?? DEFAULT_SOCKET_LIMITS.pingIntervalMs,
    maxLifetimeMs: section?.max_lifetime_ms ?? DEFAULT_SOCKET_LIMITS.maxLifetimeMs,
  };
}
