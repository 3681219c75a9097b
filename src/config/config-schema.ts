import { z } from "zod";
import { reviewSection } from "./review-section.js";
import { contextSection } from "./context-section.js";
import { mcpSection } from "./mcp-section.js";
import { sandboxSection } from "./sandbox-section.js";
import { poolSection, upstreamList } from "./pool-section.js";
import { lazySchema } from "./lazy-schema.js";

/** Settings that shape a model call; they may sit at the top level, in a profile or per model. */
const callSettings = () => ({
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  context_size: z.number().int().min(256).optional(),
  /** A small GGUF (path, or local:PATH) that drafts tokens for a local model with the same vocabulary. */
  draft_model: z.string().min(1).optional(),
});

const modelEntry = lazySchema(() =>
  z
    .object({
      ...callSettings(),
      /** What this name resolves to: another name, `local:PATH`, `hf:...`, `PROVIDER/MODEL`, an OpenAI model. */
      model: z.string().min(1).optional(),
      base_url: z.url().optional(),
      api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
      api: z.enum(["chat", "responses"]).optional(),
      /** The server accepts OpenAI's Predicted Outputs (`prediction`) on Chat Completions. */
      predicted_outputs: z.boolean().optional(),
      /** With api = "responses": call it over the Responses WebSocket (OpenAI's WebSocket mode), HTTP/SSE if refused. */
      websocket: z.boolean().optional(),
      /** Several replicas serving this name: `spark serve` balances them (see [gateway.pool]). */
      upstreams: upstreamList().optional(),
    })
    .strict(),
);

const providerEntry = lazySchema(() =>
  z
    .object({
      base_url: z.url(),
      api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
      api: z.enum(["chat", "responses"]).optional(),
      predicted_outputs: z.boolean().optional(),
      websocket: z.boolean().optional(),
    })
    .strict(),
);

const profileEntry = lazySchema(() =>
  z
    .object({
      ...callSettings(),
      model: z.string().min(1).optional(),
      base_url: z.url().optional(),
      api_key_env: z.string().optional(),
      threads: z.number().int().positive().optional(),
    })
    .strict(),
);

/** Limits of one rate-limit bucket (per API key and model family); a missing value means unlimited. */
const bucketLimits = lazySchema(() =>
  z
    .object({
      requests_per_minute: z.number().int().positive().optional(),
      tokens_per_minute: z.number().int().positive().optional(),
      tokens_per_5_hours: z.number().int().positive().optional(),
      tokens_per_week: z.number().int().positive().optional(),
    })
    .strict(),
);

/** Bounds of the Responses WebSocket: sockets, lanes and the response chains each socket keeps in memory. */
const websocketSection = lazySchema(() =>
  z
    .object({
      /** Open sockets at once (default 256); more are refused at the handshake with a 503. */
      max_sockets: z.number().int().positive().optional(),
      /** Open sockets one API key may hold at once (default 16); more get a 429 at the handshake. */
      max_sockets_per_key: z.number().int().positive().optional(),
      /** Lanes (`stream_id`) one socket may have at once (default 8). */
      max_lanes: z.number().int().positive().optional(),
      /** `response.create` events waiting in one named lane (default 4). */
      max_queued: z.number().int().min(0).optional(),
      /** Responses one socket keeps for `previous_response_id` (default 64). */
      chain_max_responses: z.number().int().positive().optional(),
      /** Bytes of conversation one socket keeps for `previous_response_id` (default 16 MiB). */
      chain_max_bytes: z.number().int().positive().optional(),
      /** How long a kept response can be continued, in ms (default 1 h). */
      chain_ttl_ms: z.number().int().positive().optional(),
      /** A ping every this many ms; a socket that has not answered the last one is dropped (default 30 s). */
      ping_interval_ms: z.number().int().min(100).optional(),
      /** A socket is closed this long after it opened, in ms (default 60 min, as OpenAI's); the client opens another. */
      max_lifetime_ms: z.number().int().min(100).optional(),
    })
    .strict(),
);

/** `spark serve`: where it listens, what it accepts, and default limits per model family. */
const gatewaySection = lazySchema(() =>
  z
    .object({
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
      /** Largest request body accepted, in bytes (default 4 MiB). */
      body_limit: z.number().int().min(1024).optional(),
      /** Time for a request's headers to arrive, in ms (default 10 s); slower callers are disconnected. */
      headers_timeout_ms: z.number().int().min(100).optional(),
      /** Time for a request's body to arrive, in ms (default 30 s); a slower body gets a 408. Answers are never timed. */
      body_timeout_ms: z.number().int().min(100).optional(),
      /** A connection with no byte either way for this long is closed, in ms (default: the upstream timeout + 30 s). */
      idle_timeout_ms: z.number().int().min(1000).optional(),
      /** max_tokens assumed for a request that names none, for the token reservation (default 4096). */
      default_max_tokens: z.number().int().positive().optional(),
      /** Share rate buckets through Redis (several gateways); by default they live in SQLite. */
      redis_url: z.string().regex(/^rediss?:\/\//, "a redis:// or rediss:// URL").optional(),
      /** False re-encodes upstream streams through Spark's ModelClient instead of passing them through (for comparisons). */
      passthrough: z.boolean().optional(),
      /** Serve /metrics without an API key even when keys exist. */
      public_metrics: z.boolean().optional(),
      /** Default limits per family for keys that set none (and for requests without keys). */
      limits: z.record(z.string(), bucketLimits()).optional(),
      /** The web UI's saved conversations one key (or the keyless gateway) may keep (default 1,000). */
      conversations_max: z.number().int().positive().optional(),
      /** Characters one key may keep in all its saved conversations (default 64 Mi). */
      conversation_storage_max_chars: z.number().int().positive().optional(),
      /** Responses (`store: true`) one key keeps for `previous_response_id` over HTTP (default 1,000; the oldest go first). */
      stored_responses_max: z.number().int().positive().optional(),
      /** Bytes of conversation one key keeps in all its stored responses (default 64 MiB). */
      stored_responses_max_bytes: z.number().int().positive().optional(),
      /** How long a stored response can be continued, in ms (default 30 days, as OpenAI keeps them). */
      stored_response_ttl_ms: z.number().int().positive().optional(),
      /** Extra model names to list in /v1/models besides the configured aliases and models. */
      models: z.array(z.string().min(1)).optional(),
      /** The Responses API over WebSocket (GET /v1/responses with Upgrade): its bounds. */
      websocket: websocketSection().optional(),
      /** Routing, health and failover of pooled models ([models.NAME] upstreams). */
      pool: poolSection().optional(),
    })
    .strict(),
);

/** The shape of `~/.spark/config.toml` and `.spark/config.toml`. */
export const configFileSchema = lazySchema(() =>
  z
    .object({
      ...callSettings(),
      /** The model used when `-m` is not given. */
      model: z.string().min(1).optional(),
      base_url: z.url().optional(),
      api_key_env: z.string().optional(),
      /** A Spark gateway's /v1 URL (`--server`): every model name goes there as written, keyed by $SPARK_API_KEY. */
      server: z.url().optional(),
      aliases: z.record(z.string(), z.string().min(1)).optional(),
      models: z.record(z.string(), modelEntry()).optional(),
      providers: z.record(z.string(), providerEntry()).optional(),
      profiles: z.record(z.string(), profileEntry()).optional(),
      local: z
        .object({
          threads: z.number().int().positive().optional(),
          cache_dir: z.string().optional(),
          /** Where conversations' KV states are kept between processes (default ~/.spark/kv-cache); user config only. */
          kv_cache_dir: z.string().optional(),
          /** Bytes of KV state kept on disk, least recently used evicted first (default 2 GiB); 0 keeps none. */
          kv_cache_max_bytes: z.number().int().min(0).optional(),
          /** Context sequences per local model: parallel requests and conversations kept in cache. */
          sequences: z.number().int().min(1).max(64).optional(),
          /** False turns off prompt-lookup and draft-model speculation (for comparisons). */
          speculation: z.boolean().optional(),
          gpu: z.boolean().optional(),
        })
        .strict()
        .optional(),
      /** Model families for rate limits: name -> patterns (`*` matches anything) of model names; the rest is "standard". */
      families: z.record(z.string(), z.array(z.string().min(1))).optional(),
      gateway: gatewaySection().optional(),
      review: reviewSection().optional(),
      context: contextSection().optional(),
      mcp: mcpSection().optional(),
      sandbox: sandboxSection().optional(),
      network: z
        .object({
          max_retries: z.number().int().min(0).max(10).optional(),
          timeout_ms: z.number().int().positive().optional(),
        })
        .strict()
        .optional(),
    })
    .strict(),
);

export type ConfigFile = z.infer<ReturnType<typeof configFileSchema>>;
export type ModelEntry = z.infer<ReturnType<typeof modelEntry>>;
export type ProviderEntry = z.infer<ReturnType<typeof providerEntry>>;
export type ProfileEntry = z.infer<ReturnType<typeof profileEntry>>;
export type GatewaySection = z.infer<ReturnType<typeof gatewaySection>>;
export type BucketLimitsEntry = z.infer<ReturnType<typeof bucketLimits>>;
