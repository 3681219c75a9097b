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
];

export const LATEST_SCHEMA_VERSION = migrations.reduce((latest, migration) => Math.max(latest, migration.version), 0);
