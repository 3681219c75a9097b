import { Redis, type RedisOptions } from "ioredis";
import { errorMessage, SparkError } from "../core/index.js";

/** Told once when a working connection drops ("down") and once when it is back ("up"). */
export type RedisOutageReport = (event: "down" | "up", message: string) => void;

/** The URL as messages may show it: without a user name or password. */
export function redisUrlForMessages(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "the configured Redis URL";
  }
}

/**
 * How long one Redis command may take before it fails. A healthy Redis answers a rate-bucket script in about
 * a millisecond; one that accepts connections and never answers (hung, swapping, stopped with SIGSTOP) would
 * otherwise hold every request at the rate limiter for ever. The pools wait less (100 ms) on top of this.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** How long opening the TCP connection may take (the ready check after it is one command, bounded as above). */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;

/**
 * The client's settings, each chosen so that a command runs at most once and never waits unbounded:
 * - commandTimeout fails a command Redis has not answered in time (its answer, if one comes, is dropped);
 * - socketTimeout drops a connection that said nothing for twice that while commands wait, so ioredis
 *   reconnects (and the outage is reported) instead of queueing behind a silent socket for ever;
 * - no offline queue: while disconnected a command fails at once instead of being sent after the
 *   reconnect, when its caller has long been told it failed (a rate-bucket reservation would then charge
 *   a request that never ran);
 * - no resending of unanswered commands after a reconnect, for the same reason.
 */
export function redisClientOptions(): RedisOptions {
  return {
    lazyConnect: true,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    socketTimeout: 2 * REDIS_COMMAND_TIMEOUT_MS,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
  };
}

/** An ioredis failure in words a user can act on ("Command timed out" alone says neither who nor how long). */
export function describeRedisFailure(error: unknown): string {
  const message = errorMessage(error);
  if (message.includes("Command timed out") || message.includes("Socket timeout")) return `it accepted the connection but did not answer within ${REDIS_COMMAND_TIMEOUT_MS} ms`;
  if (message.includes("enableOfflineQueue") || message.includes("Connection is closed")) return "the connection to it is down (reconnecting)";
  return message;
}

/**
 * Connects to Redis, or fails at once with the cause and what to do: a gateway whose buckets cannot be
 * reached would answer every request with a 503. Once connected, ioredis reconnects by itself; it emits
 * "error" on every failed try (about once a second, each an "[ioredis] Unhandled error event" line when
 * nobody listens), so only the first failure of an outage and the recovery are reported.
 */
export async function connectRedis(url: string, report: RedisOutageReport = () => undefined): Promise<Redis> {
  const shown = redisUrlForMessages(url);
  const client = new Redis(url, redisClientOptions());
  let connected = false;
  let down = false;
  let lastError = "";
  client.on("error", (error: Error) => {
    lastError = describeRedisFailure(error);
    if (!connected || down) return;
    down = true;
    report("down", `Redis at ${shown} is unreachable (${lastError}); requests with a rate limit get 503 until it is back. Retrying quietly.`);
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    report("up", `Redis at ${shown} is reachable again.`);
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const cause = lastError || describeRedisFailure(error);
    throw new SparkError(
      "store_unreachable",
      `Cannot reach Redis at ${shown} (${cause}). Start Redis there, or leave out --redis (and [gateway] redis_url) to keep rate buckets in SQLite.`,
      { status: 503, retryable: true, cause: error },
    );
  }
  connected = true;
  return client;
}
