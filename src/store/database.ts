import { closeSync, fchmodSync, fstatSync, mkdirSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { errorMessage, SparkError } from "../core/index.js";
import { migrations as defaultMigrations, type Migration } from "./migrations.js";

export type { Database } from "better-sqlite3";

/** The database file inside Spark's home directory (SPARK_HOME or ~/.spark; see sparkHome in src/config). */
export function databasePath(homeDir: string): string {
  return join(homeDir, "spark.db");
}

export interface OpenDatabaseOptions {
  /** How long a writer waits for another process's lock before failing (default 5 s). */
  busyTimeoutMs?: number;
  /** The schema steps to run; tests may pass their own. */
  migrations?: readonly Migration[];
}

/**
 * Opens (creating the file and its folder when needed) and migrates the SQLite database. WAL mode lets
 * readers and one writer work at once across processes (a CLI `spark undo` beside a running gateway); the
 * busy timeout makes a second writer wait instead of failing at once.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  // The database holds file contents (checkpoints) and conversations: a new folder is the user's alone.
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    makeOwnerOnly(path);
  }
  let db: Database;
  try {
    db = new BetterSqlite3(path, { timeout: options.busyTimeoutMs ?? 5000 });
  } catch (error) {
    throw storeError(`Could not open the database ${path}`, error);
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db, options.migrations ?? defaultMigrations);
  } catch (error) {
    db.close();
    throw error instanceof SparkError ? error : storeError(`Could not prepare the database ${path}`, error);
  }
  return db;
}

/**
 * Creates the file readable by its owner alone, or takes group and world access away from an existing one
 * (SPARK_HOME may be a shared folder; an older Spark created it 0644). SQLite gives its -wal and -shm files
 * the database file's mode, so they follow. Best effort: a file this user may not write (read-only, or a
 * folder) is left to SQLite, which opens it or says why, and one another user owns in a shared SPARK_HOME
 * keeps the mode its owner gave it (only the owner may change it); both opened before this step existed.
 */
function makeOwnerOnly(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "a", 0o600);
  } catch {
    return;
  }
  try {
    if ((fstatSync(fd).mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } catch {
    // EPERM: not this user's file.
  } finally {
    closeSync(fd);
  }
}

/** The schema step the database is at (0 for a new file). */
export function schemaVersion(db: Database): number {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.prepare("SELECT MAX(version) AS version FROM schema_version").get() as { version: number | null };
  return row.version ?? 0;
}

/** Runs, in order, every step above the database's version; each step and its version bump commit together. */
export function migrate(db: Database, steps: readonly Migration[] = defaultMigrations): void {
  const ordered = [...steps].sort((a, b) => a.version - b.version);
  const latest = ordered.at(-1)?.version ?? 0;
  const apply = db.transaction((step: Migration) => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (schemaVersion(db) >= step.version) return;
    step.up(db);
    db.prepare("DELETE FROM schema_version").run();
    db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(step.version);
  });
  const current = schemaVersion(db);
  if (current > latest) {
    throw new SparkError(
      "internal",
      `The database ${db.name} has schema version ${current}, newer than this Spark knows (${latest}); upgrade Spark, or point SPARK_HOME at another folder.`,
    );
  }
  for (const step of ordered) if (step.version > current) apply.immediate(step);
}

export function storeError(what: string, error: unknown): SparkError {
  const detail = errorMessage(error);
  return new SparkError("internal", `${what}: ${detail}`, { cause: error });
}
