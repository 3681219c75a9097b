import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointStore, databasePath, openDatabase, type CheckpointStore, type Database, type StoreClock } from "../../src/store/index.js";

/** A Spark home in a fresh temporary folder, its database open; `close` closes it and removes the folder. */
export interface TempDatabase {
  home: string;
  db: Database;
  close: () => void;
}

export function openTempDatabase(prefix: string): TempDatabase {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const db = openDatabase(databasePath(home));
  return {
    home,
    db,
    close: () => {
      db.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A temporary workspace beside a temporary home whose checkpoint store records the edits made in it. */
export interface CheckpointWorkspace extends TempDatabase {
  ws: string;
  store: CheckpointStore;
}

export function openCheckpointWorkspace(prefix: string, clock?: StoreClock): CheckpointWorkspace {
  const temp = openTempDatabase(`${prefix}-home-`);
  const ws = mkdtempSync(join(tmpdir(), `${prefix}-ws-`));
  return {
    ...temp,
    ws,
    store: createCheckpointStore(temp.db, clock),
    close: () => {
      temp.close();
      rmSync(ws, { recursive: true, force: true });
    },
  };
}
