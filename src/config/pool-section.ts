import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

const envName = (): z.ZodString => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name");

/** A whole number from 1 to `max`, refused with `range` (what to write instead) when it is not. */
const count = (max: number, range: string) => z.number().int(range).min(1, range).max(max, range);

/**
 * One replica of a pooled model (`[models.NAME] upstreams = [{ ... }]`): an OpenAI-compatible server, or
 * a local model (`model = "local:PATH"`). Only `base_url` is required, except for a local member.
 */
export const upstreamMember = lazySchema(() =>
  z
    .object({
      base_url: z.url().optional(),
      /** The model name the replica serves (default: the pool's name), or `local:PATH` / `hf:...` for the local engine. */
      model: z.string().min(1).optional(),
      /** Share of the conversations this replica gets (default 1). */
      weight: z.number().positive().max(1000).optional(),
      /** Requests this replica runs at once (default 16); past it new requests go elsewhere. */
      max_concurrent: z.number().int().positive().max(100_000).optional(),
      api_key_env: envName().optional(),
      api: z.enum(["chat", "responses"]).optional(),
    })
    .strict()
    .refine((member) => member.base_url !== undefined || /^(local|hf):/.test(member.model ?? ""), {
      message: 'each member needs base_url = "http://HOST:PORT/v1" (or model = "local:PATH.gguf" for the local engine)',
    }),
);

/** The replicas of one pooled model: at least one, at most 64. */
export const upstreamList = lazySchema(() => z.array(upstreamMember()).min(1, "list at least one replica").max(64, "at most 64 replicas per model"));

/** `[gateway.pool]`: how pooled models route and recover. */
export const poolSection = lazySchema(() =>
  z
    .object({
      /** First cool-down of a replica that failed, in ms (default 5,000); doubled on each failure in a row. */
      cooldown_ms: z.number().int().min(100).optional(),
      /** Longest cool-down, in ms (default 5 minutes). */
      max_cooldown_ms: z.number().int().min(100).optional(),
      /** Probe each replica's `/models` this often, in ms (default: off); a replica in cool-down that answers is re-admitted. */
      probe_interval_ms: z.number().int().min(200).optional(),
      /** Replicas one request may try before the client gets the error (default 3). */
      max_attempts: z.number().int().min(1).max(10).optional(),
      /**
       * A conversation moves off its replica (a cold prefill elsewhere) only when that replica has more than
       * this many requests in flight (per unit of weight) above the least loaded replica (default 4) ...
       */
      balance_abs_threshold: z.number().min(0).max(100_000).optional(),
      /** ... and more than this factor times its load (default 1.5); or when it is at `max_concurrent` or down. */
      balance_rel_threshold: z.number().min(1).max(1000).optional(),
      /** Replaced by the two above: a bound that moved conversations at 2 in flight restarted them cold. */
      load_factor: z.never({ error: "[gateway.pool] load_factor was replaced by balance_abs_threshold (default 4) and balance_rel_threshold (default 1.5); see README, \"Scaling out\"" }).optional(),
      /**
       * How requests pick a replica: "affinity" (default: a conversation's replica, for its KV cache),
       * "least-loaded" or "round-robin" (conversations ignored; to compare, or for servers without a cache).
       */
      routing: z.enum(["affinity", "least-loaded", "round-robin"]).optional(),
      /** How long a conversation's replica is remembered, in ms (default 1 h). */
      affinity_ttl_ms: z.number().int().min(1000).optional(),
      /**
       * How long a request may wait for a slot when every replica it may use is at `max_concurrent`, in ms
       * (default 30,000); then it gets 503 pool_saturated. Long enough to ride out a burst of answers that
       * take seconds, short of the 60 s idle timeout of common proxies and load balancers (nginx, AWS ALB),
       * so a client hears the gateway's advice rather than a proxy's bare 504. At most 10 minutes.
       */
      queue_timeout_ms: count(600_000, "a whole number of milliseconds from 1 to 600000 (10 minutes); the default is 30000").optional(),
      /**
       * How many requests of one pool may wait for a slot at once (default 256); the next gets 503
       * pool_saturated at once. Each waiter holds a socket and its parsed body: 256 is 16 full replicas'
       * worth at the default max_concurrent of 16, and bounds the memory a burst can pin to 256 bodies.
       */
      max_queued: count(100_000, "a whole number of requests from 1 to 100000; the default is 256").optional(),
    })
    .strict(),
);

export type UpstreamMemberEntry = z.infer<ReturnType<typeof upstreamMember>>;
export type PoolSection = z.infer<ReturnType<typeof poolSection>>;
