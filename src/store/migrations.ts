import type { Database } from "better-sqlite3";

/**
 * The schema, as forward-only steps. A database records the last step it has run in `schema_version`;
 * opening it runs every later step, each in its own transaction. Never edit or reorder a released step:
 * append a new one (ALTER TABLE, CREATE TABLE, a data fix).
 */
export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: "sessions, session messages, checkpoints and their files",
    up(db) {
      db.exec(`
        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          workspace TEXT NOT NULL,
          model TEXT NOT NULL,
          title TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX sessions_by_workspace ON sessions (workspace, updated_at);

        CREATE TABLE session_messages (
          session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          message TEXT NOT NULL,
          interrupted INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (session_id, seq)
        );

        CREATE TABLE checkpoints (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          workspace TEXT NOT NULL,
          session_id TEXT NULL REFERENCES sessions (id) ON DELETE SET NULL,
          created_at TEXT NOT NULL,
          description TEXT NOT NULL,
          patch TEXT NOT NULL,
          created_dirs TEXT NOT NULL DEFAULT '[]',
          undone_at TEXT NULL
        );
        CREATE INDEX checkpoints_by_workspace ON checkpoints (workspace, id);
        CREATE INDEX checkpoints_by_session ON checkpoints (session_id, id);

        CREATE TABLE checkpoint_files (
          checkpoint_id INTEGER NOT NULL REFERENCES checkpoints (id) ON DELETE CASCADE,
          position INTEGER NOT NULL,
          path TEXT NOT NULL,
          before BLOB NULL,
          after BLOB NULL,
          mode INTEGER NULL,
          added INTEGER NOT NULL DEFAULT 0,
          removed INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (checkpoint_id, path)
        );
      `);
    },
  },
  {
    version: 2,
    description: "gateway API keys (hashed) and per-request usage records",
    up(db) {
      db.exec(`
        CREATE TABLE api_keys (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          salt TEXT NOT NULL,
          hash TEXT NOT NULL,
          limits TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          revoked_at TEXT NULL,
          last_used_at TEXT NULL
        );
        CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;

        CREATE TABLE usage_records (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          key_id TEXT NOT NULL,
          key_name TEXT NOT NULL,
          family TEXT NOT NULL,
          model TEXT NOT NULL,
          route TEXT NOT NULL,
          status INTEGER NOT NULL,
          finish TEXT NOT NULL,
          input_tokens INTEGER NOT NULL,
          output_tokens INTEGER NOT NULL,
          reserved_tokens INTEGER NOT NULL,
          ttft_ms REAL NULL,
          duration_ms REAL NOT NULL
        );
        CREATE INDEX usage_records_by_key ON usage_records (key_id, at);
        CREATE INDEX usage_records_by_time ON usage_records (at);
      `);
    },
  },
  {
    version: 3,
    description: "rate-limit buckets: one row of running window sums per (key, family), and their charges",
    up(db) {
      // rate_buckets keeps, per window, the sum of the tokens of the charges newer than its cut (a
      // timestamp that only moves forward): reserve reads sums in O(1) instead of summing a week of rows.
      // Charges at or below cut_week are outside every window and are deleted as the cut passes them.
      db.exec(`
        CREATE TABLE rate_buckets (
          key TEXT NOT NULL,
          family TEXT NOT NULL,
          cut_minute INTEGER NOT NULL,
          sum_minute INTEGER NOT NULL,
          cut_5_hours INTEGER NOT NULL,
          sum_5_hours INTEGER NOT NULL,
          cut_week INTEGER NOT NULL,
          sum_week INTEGER NOT NULL,
          last_ts INTEGER NOT NULL,
          PRIMARY KEY (key, family)
        ) WITHOUT ROWID;
        CREATE INDEX rate_buckets_by_last_ts ON rate_buckets (last_ts);

        CREATE TABLE rate_bucket_charges (
          id TEXT PRIMARY KEY,
          key TEXT NOT NULL,
          family TEXT NOT NULL,
          ts INTEGER NOT NULL,
          tokens INTEGER NOT NULL,
          settled INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX rate_bucket_charges_by_bucket ON rate_bucket_charges (key, family, ts, tokens);
      `);
    },
  },
  {
    version: 4,
    description: "the web UI's conversations, per API key, and their messages",
    up(db) {
      // owner is the API key's id ("anonymous" without keys): a key lists and reads only its own.
      db.exec(`
        CREATE TABLE web_conversations (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          title TEXT NOT NULL,
          model TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX web_conversations_by_owner ON web_conversations (owner, updated_at);

        CREATE TABLE web_conversation_messages (
          conversation_id TEXT NOT NULL REFERENCES web_conversations (id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          role TEXT NOT NULL,
          content TEXT NOT NULL,
          interrupted INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          PRIMARY KEY (conversation_id, seq)
        );
      `);
    },
  },
  {
    version: 5,
    description: "each web conversation's stored characters, for the per-key storage quota",
    up(db) {
      // Kept beside the conversation so a key's total is a sum over its (at most a few thousand) rows,
      // not a scan of every message it ever stored.
      db.exec(`
        ALTER TABLE web_conversations ADD COLUMN characters INTEGER NOT NULL DEFAULT 0;
        UPDATE web_conversations SET characters =
          (SELECT COALESCE(SUM(LENGTH(content)), 0) FROM web_conversation_messages m WHERE m.conversation_id = web_conversations.id);
      `);
    },
  },
  {
    version: 6,
    description: "Responses API responses stored for previous_response_id (store: true), per API key",
    up(db) {
      // owner is the API key's id ("anonymous" without keys): a key continues only its own responses.
      // created_at is epoch ms; bytes is the stored conversation's length, for the per-key quota.
      db.exec(`
        CREATE TABLE stored_responses (
          owner TEXT NOT NULL,
          id TEXT NOT NULL,
          conversation TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (owner, id)
        );
        CREATE INDEX stored_responses_by_owner_age ON stored_responses (owner, created_at);
        CREATE INDEX stored_responses_by_age ON stored_responses (created_at);
      `);
    },
  },
  {
    version: 7,
    description: "spark eval's reports, for the results page of spark serve",
    up(db) {
      // report is eval.json's text; suite is what the user passed to --suite (shown, never opened).
      db.exec(`
        CREATE TABLE eval_reports (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          suite TEXT NOT NULL,
          report TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
      `);
    },
  },
];

export const LATEST_SCHEMA_VERSION = migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
