import type { AddressInfo } from "node:net";
import { toSparkError, UsageError } from "../core/index.js";
import type { ModelRuntime } from "../runtime/index.js";
import {
  createApiKeyStore,
  createMemoryAffinityStore,
  createSqliteRateBuckets,
  databasePath,
  openDatabase,
  type AffinityStore,
  type SharedCooldowns,
  type Database,
  type RateBucketStore,
  type RedisOutageReport,
} from "../store/index.js";
import { createGateway, type Gateway } from "./create-gateway.js";
import type { GatewayLog } from "./gateway-context.js";

export interface StartOptions {
  /** The config, env and cwd names resolve with, and the local engine every model shares; disposed when the gateway closes. */
  runtime: ModelRuntime;
  host: string;
  port: number;
  /** Share rate buckets through this Redis server instead of SQLite. */
  redisUrl?: string | undefined;
  log: GatewayLog;
}

export interface RunningGateway {
  gateway: Gateway;
  /** http://HOST:PORT, with the port really bound (for --port 0). */
  url: string;
  /** Whether requests need a key (one was created, even if all are revoked now). */
  keysExist: boolean;
  close(): Promise<void>;
}

/**
 * SQLite buckets in Spark's database, or Redis ones (loaded only when asked for) shared by several gateways.
 * An unreachable Redis fails here; a later outage is told to `onOutage` once, not once per reconnect.
 */
export async function openRateBuckets(db: Database, redisUrl: string | undefined, onOutage?: RedisOutageReport): Promise<RateBucketStore> {
  return (await openSharedStores(db, redisUrl, onOutage)).buckets;
}

/** The rate buckets, the pools' conversation affinity and replicas' cool-downs: in Redis (one connection) when given, else local. */
async function openSharedStores(db: Database, redisUrl: string | undefined, onOutage?: RedisOutageReport): Promise<{ buckets: RateBucketStore; affinity: AffinityStore; cooldowns?: SharedCooldowns }> {
  if (!redisUrl) return { buckets: createSqliteRateBuckets(db), affinity: createMemoryAffinityStore() };
  const { createRedisAffinityStore, createRedisCooldowns, createRedisRateBuckets, connectRedis } = await import("../store/redis.js");
  const client = await connectRedis(redisUrl, onOutage);
  const store = createRedisRateBuckets(client);
  // The store leaves a client it was given open: this one is ours to end.
  return { buckets: { ...store, close: async () => void (await client.quit().catch(() => client.disconnect())) }, affinity: createRedisAffinityStore(client), cooldowns: createRedisCooldowns(client) };
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * Opens the stores, checks that the gateway may listen where asked, and starts it. Without any API key the
 * gateway answers anyone who can reach it, so it refuses an address other than loopback.
 */
export async function startGateway(options: StartOptions): Promise<RunningGateway> {
  const { runtime } = options;
  const { loaded } = runtime;
  const db = openDatabase(databasePath(loaded.homeDir));
  // WAL with NORMAL sync cannot corrupt the file; a crash may lose the last moment's usage rows only.
  db.pragma("synchronous = NORMAL");
  let buckets: RateBucketStore | undefined;
  try {
    const keyStore = createApiKeyStore(db);
    const keysExist = keyStore.totalCount() > 0;
    if (keyStore.activeCount() === 0 && !isLoopbackHost(options.host)) {
      throw new UsageError(
        `Refusing to listen on ${options.host} without API keys: anyone who can reach it could use your models. Create a key first (spark keys create --name NAME), or listen on 127.0.0.1.`,
      );
    }
    const shared = await openSharedStores(db, options.redisUrl, (event, message) => options.log(event === "down" ? "warn" : "info", message));
    buckets = shared.buckets;
    const { env, cwd } = runtime.resolveContext;
    const gateway = await createGateway({ loaded, env, cwd, db, buckets, affinity: shared.affinity, ...(shared.cooldowns ? { cooldowns: shared.cooldowns } : {}), localEngine: () => runtime.localEngine(), log: options.log });
    await gateway.app.listen({ host: options.host, port: options.port });
    const address = gateway.app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const openBuckets = buckets;
    let closing: Promise<void> | undefined;
    return {
      gateway,
      url: `http://${host}:${address.port}`,
      keysExist,
      close: () =>
        (closing ??= (async () => {
          await gateway.close();
          await openBuckets.close().catch(() => undefined);
          await runtime.dispose();
          db.close();
        })()),
    };
  } catch (error) {
    await buckets?.close().catch(() => undefined);
    db.close();
    throw error;
  }
}

/** Logs what would otherwise end the process: the gateway keeps serving. */
export function keepAlive(log: GatewayLog): void {
  process.on("unhandledRejection", (reason) => log("error", `unhandled rejection (kept running): ${toSparkError(reason).message}`));
  process.on("uncaughtException", (error) => log("error", `uncaught exception (kept running): ${toSparkError(error).message}`));
}
