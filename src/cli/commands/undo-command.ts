import { UsageError } from "../../core/index.js";
import { undoCheckpoint, type UndoResult } from "../../edits/index.js";
import { openWorkspace, nodePatchFs } from "../../edits/index.js";
import type { CheckpointSummary } from "../../store/index.js";
import { workspaceOption } from "./apply-command.js";
import { withStores } from "../common/with-stores.js";
import { workspaceWriteSettings } from "../../config/index.js";
import { exitCodes } from "../common/exit-codes.js";

export interface UndoCommandOptions {
  cwd?: string;
  list?: boolean;
  limit?: string;
  force?: boolean;
  allowProtected?: boolean;
  json?: boolean;
}

/** `spark undo [ID]`: restores the files of the latest checkpoint (or checkpoint ID); `--list` shows the history. */
export async function undoCommand(id: string | undefined, options: UndoCommandOptions): Promise<number> {
  const workspace = await workspaceOption(options.cwd);
  if (options.list) {
    if (id !== undefined) throw new UsageError("--list shows the history; give no checkpoint id with it.");
    const limit = positiveInteger("--limit", options.limit ?? "20");
    const root = (await openWorkspace(workspace, nodePatchFs)).root;
    const checkpoints = await withStores(async (stores) => stores.checkpoints.list(root, limit));
    process.stdout.write(options.json ? `${JSON.stringify(checkpoints, null, 2)}\n` : formatHistory(root, checkpoints));
    return exitCodes.ok;
  }
  const checkpointId = id === undefined ? undefined : positiveInteger("the checkpoint id", id);
  const settings = { ...(await workspaceWriteSettings(workspace)), allowProtected: options.allowProtected === true };
  const result = await withStores((stores) => undoCheckpoint({ workspace, store: stores.checkpoints, id: checkpointId, force: options.force ?? false, ...settings }));
  process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatUndo(result));
  return exitCodes.ok;
}

function positiveInteger(what: string, value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw new UsageError(`${what} must be a positive whole number, got "${value}".`);
  return number;
}

const ACTION_WORDS = { restored: "restored", removed: "removed (the patch created it)", recreated: "recreated (the patch deleted it)", unchanged: "already as before" };

function formatUndo(result: UndoResult): string {
  const { checkpoint } = result;
  const lines = [`Undid checkpoint ${checkpoint.id} (${checkpoint.description}), recorded ${formatTime(checkpoint.createdAt)}:`];
  for (const file of result.files) {
    lines.push(`  ${file.path}: ${ACTION_WORDS[file.action]}${file.overwritten ? "; changes made since were overwritten (--force)" : ""}`);
  }
  return `${lines.join("\n")}\n`;
}

const CHANGE_MARKS = { created: "A", modified: "M", deleted: "D" };

function formatHistory(workspace: string, checkpoints: readonly CheckpointSummary[]): string {
  if (checkpoints.length === 0) return `No checkpoints in ${workspace} yet: every patch applied with \`spark apply\` or by the agent records one.\n`;
  const lines: string[] = [];
  for (const checkpoint of checkpoints) {
    const state = checkpoint.undoneAt === null ? "" : `  [undone ${formatTime(checkpoint.undoneAt)}]`;
    const session = checkpoint.sessionId === null ? "" : `  session ${checkpoint.sessionId}`;
    lines.push(`#${checkpoint.id}  ${formatTime(checkpoint.createdAt)}  ${checkpoint.description}${state}${session}`);
    for (const file of checkpoint.files) lines.push(`    ${CHANGE_MARKS[file.change]} ${file.path}  +${file.added} -${file.removed}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Local time, to the second: "2026-01-31 14:05:09". */
function formatTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}
