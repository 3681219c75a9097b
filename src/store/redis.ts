/**
 * The Redis face of the store, apart from index.ts so that ioredis loads only in a process that shares
 * its rate buckets through Redis (import it dynamically where it is used).
 */
export { createRedisRateBuckets, type RedisRateBucketOptions } from "./rate-bucket-redis.js";
export { connectRedis, type RedisOutageReport } from "./redis-connection.js";
export { createRedisAffinityStore } from "./affinity-redis.js";
export { createRedisCooldowns, type SharedCooldowns } from "./replica-cooldowns.js";
