export { databasePath, migrate, openDatabase, schemaVersion, type Database, type OpenDatabaseOptions } from "./database.js";
export { LATEST_SCHEMA_VERSION, migrations, type Migration } from "./migrations.js";
export {
  createCheckpointStore,
  fileChange,
  type ActiveCheckpointQuery,
  type Checkpoint,
  type CheckpointFile,
  type CheckpointFileSummary,
  type CheckpointStore,
  type CheckpointSummary,
  type FileChange,
  type NewCheckpoint,
} from "./checkpoint-store.js";
export { createSessionStore, type MessageMeta, type NewSession, type SessionInfo, type SessionStore, type StoredMessage } from "./session-store.js";
export { openStores, type SparkStores } from "./open-stores.js";
export { systemClock, type StoreClock } from "./store-clock.js";
export type { BucketLimits, BucketState, BucketWindow, RateBucketStore, ReserveRequest, ReserveResult, WindowState } from "./rate-bucket-store.js";
export { createApiKeyStore, type ApiKeyInfo, type ApiKeyStore, type KeyLimits, type NewApiKey } from "./api-key-store.js";
export { createUsageStore, type StoredUsageRecord, type UsageRecord, type UsageStore, type UsageTotals } from "./usage-store.js";
export { createSqliteRateBuckets } from "./rate-bucket-sqlite.js";
export { createMemoryAffinityStore, MEMORY_AFFINITY_MAX_KEYS, type AffinityStore } from "./affinity-store.js";
export type { SharedCooldowns } from "./replica-cooldowns.js";
// Types only: the Redis store itself is in redis.ts, so importing this face never loads ioredis.
export type { RedisOutageReport } from "./redis-connection.js";
export { FIVE_HOURS_MS, MINUTE_MS, RETRY_NEVER, WEEK_MS, WINDOWS, type WindowSpec } from "./rate-bucket-windows.js";
export {
  createWebConversationStore,
  DEFAULT_WEB_CONVERSATION_QUOTA,
  WEB_CONVERSATION_LIMITS,
  WEB_CONVERSATION_PAGE_MAX,
  WEB_CONVERSATION_SEARCH_MAX,
  type WebConversation,
  type WebConversationCursor,
  type WebConversationInfo,
  type WebConversationPage,
  type WebConversationStore,
  type WebConversationTotals,
  type WebMessage,
  type WebMessageRole,
} from "./web-conversation-store.js";
export { createEvalReportStore, EVAL_REPORTS_KEPT, type EvalReportStore, type StoredEvalReport } from "./eval-report-store.js";
export { createResponseStore, DEFAULT_RESPONSE_STORE_LIMITS, type ResponseStore, type ResponseStoreLimits } from "./response-store.js";
