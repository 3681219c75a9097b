import { createCheckpointStore, databasePath, openDatabase, type CheckpointStore, type Database, type StoreClock } from "../../src/store/index.js";
import { openTempDir } from "./temp-dir.js";

/** A Spark home in a fresh temporary folder, its database open; `close` closes it and removes the folder. */
export interface TempDatabase {
  home: string;
  db: Database;
  close: () => void;
}

export function openTempDatabase(prefix: string): TempDatabase {
  const { dir: home, close } = openTempDir(prefix);
  const db = openDatabase(databasePath(home));
  return {
    home,
    db,
    close: () => {
      db.close();
      close();
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
  const workspace = openTempDir(`${prefix}-ws-`);
  return {
    ...temp,
    ws: workspace.dir,
    store: createCheckpointStore(temp.db, clock),
    close: () => {
      temp.close();
      workspace.close();
    },
  };
}
