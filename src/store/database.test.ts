import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { databasePath, openDatabase, schemaVersion } from "./database.js";
import { LATEST_SCHEMA_VERSION, migrations, type Migration } from "./migrations.js";

const dirs: string[] = [];
function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "spark-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("openDatabase", () => {
  it("creates the folder and the file, in WAL mode, with a busy timeout and the latest schema", () => {
    const path = databasePath(join(tempHome(), "nested", ".spark"));
    const db = openDatabase(path);
    try {
      expect(existsSync(path)).toBe(true);
      expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(path.endsWith("spark.db")).toBe(true);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("busy_timeout", { simple: true })).toBe(5000);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(expect.arrayContaining(["checkpoint_files", "checkpoints", "schema_version", "session_messages", "sessions"]));
    } finally {
      db.close();
    }
  });

  it("keeps the file and its WAL readable by the owner alone, and tightens a file others could read", () => {
    const path = databasePath(tempHome());
    writeFileSync(path, "");
    chmodSync(path, 0o644);
    const db = openDatabase(path);
    try {
      db.exec("CREATE TABLE t (x)");
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    } finally {
      db.close();
    }
  });

  it("says it could not open the database, not a bare system error, when its path is a folder", () => {
    const path = databasePath(tempHome());
    mkdirSync(path);
    expect(() => openDatabase(path)).toThrow(/^Could not open the database .*spark\.db: /);
  });

  // As root every file is writable: the case is a user's own database made read-only (it opened before the 0600 step).
  it.skipIf(process.getuid?.() === 0)("still opens a database file its owner made read-only", () => {
    const path = databasePath(tempHome());
    openDatabase(path).close();
    chmodSync(path, 0o444);
    const db = openDatabase(path);
    try {
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it("reopens an existing database without running its migrations again", () => {
    const path = databasePath(tempHome());
    openDatabase(path).close();
    const db = openDatabase(path);
    try {
      expect(db.prepare("SELECT COUNT(*) AS n FROM schema_version").get()).toEqual({ n: 1 });
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it("runs only the steps added since the database was last opened, forward only", () => {
    const path = databasePath(tempHome());
    openDatabase(path).close();
    const ran: number[] = [];
    const next: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      description: "a later step",
      up(db) {
        ran.push(this.version);
        db.exec("CREATE TABLE later_table (x INTEGER)");
      },
    };
    const db = openDatabase(path, { migrations: [...migrations, next] });
    try {
      expect(ran).toEqual([LATEST_SCHEMA_VERSION + 1]);
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION + 1);
    } finally {
      db.close();
    }
  });

  it("rolls a failing step back whole and keeps the earlier version", () => {
    const path = databasePath(tempHome());
    openDatabase(path).close();
    const broken: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      description: "fails half-way",
      up(db) {
        db.exec("CREATE TABLE half_done (x INTEGER)");
        throw new Error("boom");
      },
    };
    expect(() => openDatabase(path, { migrations: [...migrations, broken] })).toThrow(/Could not prepare the database.*boom/);
    const db = openDatabase(path);
    try {
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it("refuses a database written by a newer Spark", () => {
    const path = databasePath(tempHome());
    const db = openDatabase(path);
    db.prepare("UPDATE schema_version SET version = ?").run(LATEST_SCHEMA_VERSION + 5);
    db.close();
    expect(() => openDatabase(path)).toThrow(/newer than this Spark knows/);
  });
});
