import { Redis } from "ioredis";
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
 * Connects to Redis, or fails at once with the cause and what to do: a gateway whose buckets cannot be
 * reached would answer every request with a 503. Once connected, ioredis reconnects by itself; it emits
 * "error" on every failed try (about once a second, each an "[ioredis] Unhandled error event" line when
 * nobody listens), so only the first failure of an outage and the recovery are reported.
 */
export async function connectRedis(url: string, report: RedisOutageReport = () => undefined): Promise<Redis> {
  const shown = redisUrlForMessages(url);
  const client = new Redis(url, { lazyConnect: true });
  let connected = false;
  let down = false;
  let lastError = "";
  client.on("error", (error: Error) => {
    lastError = error.message;
    if (!connected || down) return;
    down = true;
    report("down", `Redis at ${shown} is unreachable (${error.message}); requests get 503 until it is back. Retrying quietly.`);
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
    const cause = lastError || (errorMessage(error));
    throw new SparkError(
      "store_unreachable",
      `Cannot reach Redis at ${shown} (${cause}). Start Redis there, or leave out --redis (and [gateway] redis_url) to keep rate buckets in SQLite.`,
      { status: 503, retryable: true, cause: error },
    );
  }
  connected = true;
  return client;
}
