import type { Database } from "better-sqlite3";
import { systemClock, type StoreClock } from "./store-clock.js";
import { camelFields } from "./row-fields.js";

/**
 * Checkpoints: what every applied patch changed, with each file's bytes before and after, so `spark undo`
 * can put the files back and `spark diff` can show a session's changes.
 */

export type FileChange = "created" | "modified" | "deleted";

export interface CheckpointFile {
  /** Relative to the workspace, "/"-separated (as the patch engine reports it). */
  path: string;
  /** null: the file did not exist before the patch. */
  before: Uint8Array | null;
  /** null: the patch deleted the file. */
  after: Uint8Array | null;
  /** Permission bits before the patch (to restore them); null when the file did not exist. */
  mode: number | null;
  /** Lines added and removed, for listings. */
  added: number;
  removed: number;
}

export interface NewCheckpoint {
  /** Absolute path of the workspace, symlinks resolved. */
  workspace: string;
  sessionId?: string | undefined;
  description: string;
  /** The patch text as applied. */
  patch: string;
  files: CheckpointFile[];
  /** Directories the patch created (relative, deepest first); undo removes them when they are empty. */
  createdDirs?: string[];
}

export interface CheckpointFileSummary {
  path: string;
  change: FileChange;
  added: number;
  removed: number;
}

interface CheckpointHeader {
  id: number;
  workspace: string;
  sessionId: string | null;
  /** ISO 8601. */
  createdAt: string;
  description: string;
  /** ISO 8601; null while the checkpoint is still in effect. */
  undoneAt: string | null;
}

export interface CheckpointSummary extends CheckpointHeader {
  files: CheckpointFileSummary[];
}

export interface Checkpoint extends CheckpointHeader {
  patch: string;
  createdDirs: string[];
  files: CheckpointFile[];
}

export interface ActiveCheckpointQuery {
  workspace: string;
  /** Only this session's checkpoints; all of the workspace's when absent. */
  sessionId?: string | undefined;
}

export interface CheckpointStore {
  /** Saves a checkpoint and its files in one transaction; returns its id (increasing). */
  record(checkpoint: NewCheckpoint): number;
  /** The workspace's checkpoints, newest first, undone ones included; file contents left out. */
  list(workspace: string, limit?: number): CheckpointSummary[];
  get(id: number): Checkpoint | undefined;
  /** The newest checkpoint of the workspace that has not been undone. */
  latest(workspace: string): Checkpoint | undefined;
  /** Checkpoints not undone, oldest first (what `spark diff` replays). */
  active(query: ActiveCheckpointQuery): Checkpoint[];
  /** Marks the checkpoint undone; false when it does not exist or already was. */
  markUndone(id: number): boolean;
  /**
   * Keeps only these files of a checkpoint (recorded before its patch was written, some writes may have
   * been refused); with none left, the checkpoint is deleted.
   */
  keepOnly(id: number, paths: readonly string[]): void;
}

export function fileChange(file: Pick<CheckpointFile, "before" | "after">): FileChange {
  if (file.before === null) return "created";
  return file.after === null ? "deleted" : "modified";
}

interface CheckpointRow {
  id: number;
  workspace: string;
  session_id: string | null;
  created_at: string;
  description: string;
  patch: string;
  created_dirs: string;
  undone_at: string | null;
}

interface FileRow {
  checkpoint_id: number;
  path: string;
  before: Buffer | null;
  after: Buffer | null;
  mode: number | null;
  added: number;
  removed: number;
}

const HEADER_COLUMNS = "id, workspace, session_id, created_at, description, patch, created_dirs, undone_at";

export function createCheckpointStore(db: Database, clock: StoreClock = systemClock): CheckpointStore {
  const insertCheckpoint = db.prepare(
    "INSERT INTO checkpoints (workspace, session_id, created_at, description, patch, created_dirs) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const insertFile = db.prepare(
    "INSERT INTO checkpoint_files (checkpoint_id, position, path, before, after, mode, added, removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const selectById = db.prepare(`SELECT ${HEADER_COLUMNS} FROM checkpoints WHERE id = ?`);
  const selectLatest = db.prepare(`SELECT ${HEADER_COLUMNS} FROM checkpoints WHERE workspace = ? AND undone_at IS NULL ORDER BY id DESC LIMIT 1`);
  const selectList = db.prepare(`SELECT ${HEADER_COLUMNS} FROM checkpoints WHERE workspace = ? ORDER BY id DESC LIMIT ?`);
  const selectActive = db.prepare(`SELECT ${HEADER_COLUMNS} FROM checkpoints WHERE workspace = ? AND undone_at IS NULL ORDER BY id`);
  const selectActiveForSession = db.prepare(
    `SELECT ${HEADER_COLUMNS} FROM checkpoints WHERE workspace = ? AND session_id = ? AND undone_at IS NULL ORDER BY id`,
  );
  const selectFiles = db.prepare("SELECT checkpoint_id, path, before, after, mode, added, removed FROM checkpoint_files WHERE checkpoint_id = ? ORDER BY position");
  const selectFileSummaries = db.prepare(
    "SELECT path, before IS NULL AS created, after IS NULL AS deleted, added, removed FROM checkpoint_files WHERE checkpoint_id = ? ORDER BY position",
  );
  const deleteFile = db.prepare("DELETE FROM checkpoint_files WHERE checkpoint_id = ? AND path = ?");
  const deleteCheckpoint = db.prepare("DELETE FROM checkpoints WHERE id = ?");
  const keepOnly = db.transaction((id: number, paths: readonly string[]): void => {
    const kept = new Set(paths);
    for (const file of selectFileSummaries.all(id) as { path: string }[]) if (!kept.has(file.path)) deleteFile.run(id, file.path);
    if (kept.size === 0) deleteCheckpoint.run(id);
  });
  const updateUndone = db.prepare("UPDATE checkpoints SET undone_at = ? WHERE id = ? AND undone_at IS NULL");

  const record = db.transaction((checkpoint: NewCheckpoint): number => {
    const result = insertCheckpoint.run(
      checkpoint.workspace,
      checkpoint.sessionId ?? null,
      clock.now().toISOString(),
      checkpoint.description,
      checkpoint.patch,
      JSON.stringify(checkpoint.createdDirs ?? []),
    );
    const id = Number(result.lastInsertRowid);
    for (const [position, file] of checkpoint.files.entries()) {
      insertFile.run(id, position, file.path, toBuffer(file.before), toBuffer(file.after), file.mode, file.added, file.removed);
    }
    return id;
  });

  const withFiles = (row: CheckpointRow): Checkpoint => ({
    ...header(row),
    patch: row.patch,
    createdDirs: JSON.parse(row.created_dirs) as string[],
    files: (selectFiles.all(row.id) as FileRow[]).map((file) => ({
      path: file.path,
      before: file.before,
      after: file.after,
      mode: file.mode,
      added: file.added,
      removed: file.removed,
    })),
  });

  return {
    record: (checkpoint) => record.immediate(checkpoint),
    list(workspace, limit = 20) {
      return (selectList.all(workspace, limit) as CheckpointRow[]).map((row) => ({
        ...header(row),
        files: (selectFileSummaries.all(row.id) as { path: string; created: number; deleted: number; added: number; removed: number }[]).map(
          (file) => ({
            path: file.path,
            change: file.created ? "created" : file.deleted ? "deleted" : "modified",
            added: file.added,
            removed: file.removed,
          }),
        ),
      }));
    },
    get(id) {
      const row = selectById.get(id) as CheckpointRow | undefined;
      return row === undefined ? undefined : withFiles(row);
    },
    latest(workspace) {
      const row = selectLatest.get(workspace) as CheckpointRow | undefined;
      return row === undefined ? undefined : withFiles(row);
    },
    active({ workspace, sessionId }) {
      const rows = (sessionId === undefined ? selectActive.all(workspace) : selectActiveForSession.all(workspace, sessionId)) as CheckpointRow[];
      return rows.map(withFiles);
    },
    markUndone(id) {
      return updateUndone.run(clock.now().toISOString(), id).changes > 0;
    },
    keepOnly: (id, paths) => keepOnly.immediate(id, paths),
  };
}

function header(row: CheckpointRow): CheckpointHeader {
  return camelFields(row, ["id", "workspace", "session_id", "created_at", "description", "undone_at"]);
}

function toBuffer(bytes: Uint8Array | null): Buffer | null {
  if (bytes === null) return null;
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
