import { createCheckpointStore, type CheckpointStore } from "./checkpoint-store.js";
import { databasePath, openDatabase, type Database } from "./database.js";
import { createSessionStore, type SessionStore } from "./session-store.js";

export interface SparkStores {
  db: Database;
  checkpoints: CheckpointStore;
  sessions: SessionStore;
  /** Closes the database; the stores cannot be used afterwards. */
  close(): void;
}

/** Opens `<homeDir>/spark.db` (homeDir: sparkHome() from src/config) with every store on it. */
export function openStores(homeDir: string): SparkStores {
  const db = openDatabase(databasePath(homeDir));
  return { db, checkpoints: createCheckpointStore(db), sessions: createSessionStore(db), close: () => db.close() };
}
