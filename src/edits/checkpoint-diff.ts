import type { CheckpointStore, FileChange } from "../store/index.js";
import { readFileState, stateBytes } from "./checkpoint-files.js";
import { unifiedFileDiff } from "./checkpoint-unified-diff.js";
import { type PatchFs, nodePatchFs } from "./patch-fs.js";
import { openWorkspace, resolveWorkspacePath } from "./workspace-path.js";

export interface SessionDiffOptions {
  workspace: string;
  store: CheckpointStore;
  /** Only this session's checkpoints; every checkpoint of the workspace still in effect when absent. */
  sessionId?: string | undefined;
  fs?: PatchFs | undefined;
}

export interface DiffedFile {
  path: string;
  change: FileChange;
  added: number;
  removed: number;
  binary: boolean;
}

export interface SessionDiff {
  /** The checkpoints the diff covers, oldest first. */
  checkpointIds: number[];
  /** Files that differ from their state before the first checkpoint that touched them. */
  files: DiffedFile[];
  /** A unified diff (git style); empty when nothing differs. */
  text: string;
}

/**
 * What the session (or the workspace's checkpoints not undone) changed: for every file any of its
 * checkpoints touched, the state before the first of them against the file as it is now, so edits made
 * by hand since then show too, and a file changed and changed back shows nothing.
 */
export async function sessionDiff(options: SessionDiffOptions): Promise<SessionDiff> {
  const fs = options.fs ?? nodePatchFs;
  const workspace = await openWorkspace(options.workspace, fs);
  const checkpoints = options.store.active({ workspace: workspace.root, sessionId: options.sessionId });
  const firstBefore = new Map<string, { before: Uint8Array | null; mode: number | null }>();
  for (const checkpoint of checkpoints) {
    for (const file of checkpoint.files) if (!firstBefore.has(file.path)) firstBefore.set(file.path, { before: file.before, mode: file.mode });
  }
  const files: DiffedFile[] = [];
  const texts: string[] = [];
  for (const [path, { before, mode }] of firstBefore) {
    const current = await readFileState(fs, await resolveWorkspacePath(workspace, path, fs));
    const after = stateBytes(current);
    if (before === null ? after === null : after !== null && Buffer.from(before).equals(Buffer.from(after))) continue;
    const diff = unifiedFileDiff({ path, before, after, beforeMode: mode, afterMode: current.kind === "file" ? current.mode : null });
    texts.push(diff.text);
    files.push({ path, change: before === null ? "created" : after === null ? "deleted" : "modified", added: diff.added, removed: diff.removed, binary: diff.binary });
  }
  return { checkpointIds: checkpoints.map((checkpoint) => checkpoint.id), files, text: texts.join("") };
}
