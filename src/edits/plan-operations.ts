import type { AddFileOperation, DeleteFileOperation, FileOperation, UpdateFileOperation } from "./patch-types.js";
import type { OperationReport } from "./apply-report.js";
import type { PatchFs } from "./patch-fs.js";
import { type Workspace, type WorkspacePath, resolveWorkspacePath } from "./workspace-path.js";
import { assertPatchableSize, assertRegularFile, readExistingFile, statTarget } from "./workspace-file.js";
import { ABSENT, type DiskExpectation, expectationOf } from "./disk-identity.js";
import type { WriteGuard } from "./write-guard.js";
import { type StagedChanges, type FileOrigin } from "./staged-changes.js";
import { type TextDocument, decodeText, encodeText } from "./text-document.js";
import { applyHunks } from "./apply-hunks.js";
import { PatchError, toPatchIoError } from "./patch-error.js";

/**
 * Works out what each file operation would do, against the staged overlay, without writing anything.
 * An operation that fails is reported and leaves the overlay as it was; the operations after it still
 * run (one bad file does not cancel the others).
 */

export interface PlanContext {
  fs: PatchFs;
  workspace: Workspace;
  maxFileBytes: number;
  staged: StagedChanges;
  guard: WriteGuard;
}

/** A path the operation will write or delete: inside the workspace and not protected. */
async function resolveWritable(ctx: PlanContext, patchPath: string): Promise<WorkspacePath> {
  const path = await resolveWorkspacePath(ctx.workspace, patchPath, ctx.fs);
  await ctx.guard.assertWritable(path);
  return path;
}

export async function planOperation(ctx: PlanContext, op: FileOperation, index: number): Promise<OperationReport> {
  const report: OperationReport = {
    index,
    kind: op.kind,
    path: op.path,
    sourceLine: op.sourceLine,
    status: "applied",
    hunks: [],
    added: 0,
    removed: 0,
  };
  if (op.kind === "update" && op.moveTo !== undefined) report.moveTo = op.moveTo;
  try {
    if (op.kind === "add") await planAdd(ctx, op, index, report);
    else if (op.kind === "delete") await planDelete(ctx, op, index, report);
    else await planUpdate(ctx, op, index, report);
  } catch (error) {
    const patchError = error instanceof PatchError ? error : toPatchIoError(error, "process", op.path);
    report.status = "failed";
    report.error = { code: patchError.patchCode, message: patchError.message };
  }
  return report;
}

/** The current content of a path: staged by an earlier operation, or on disk. */
type Current = { exists: false; existedOnDisk: boolean; expected: DiskExpectation } | { exists: true; bytes: Uint8Array; mode: number | undefined; origin: FileOrigin };

async function loadCurrent(ctx: PlanContext, path: WorkspacePath): Promise<Current> {
  const staged = ctx.staged.get(path);
  if (staged?.kind === "deleted") return { exists: false, existedOnDisk: staged.existedOnDisk, expected: staged.expected };
  if (staged?.kind === "file") {
    return { exists: true, bytes: staged.data, mode: staged.mode, origin: { existedOnDisk: staged.existedOnDisk, expected: staged.expected } };
  }
  assertNoStagedConflict(ctx, path);
  if ((await statTarget(ctx.fs, path)) === undefined) return { exists: false, existedOnDisk: false, expected: ABSENT };
  const file = await readExistingFile(ctx.fs, ctx.workspace, path, ctx.maxFileBytes);
  return {
    exists: true,
    bytes: file.bytes,
    mode: file.mode,
    origin: { existedOnDisk: true, expected: file.expected, original: file.bytes, originalMode: file.mode },
  };
}

/** What is at a destination that will be overwritten: its mode, whether it existed. Refuses directories. */
async function inspectDestination(ctx: PlanContext, path: WorkspacePath): Promise<{ mode: number | undefined; existedOnDisk: boolean; expected: DiskExpectation }> {
  const staged = ctx.staged.get(path);
  if (staged !== undefined) return { mode: staged.kind === "file" ? staged.mode : undefined, existedOnDisk: staged.existedOnDisk, expected: staged.expected };
  assertNoStagedConflict(ctx, path);
  const stats = await statTarget(ctx.fs, path);
  if (stats === undefined) return { mode: undefined, existedOnDisk: false, expected: ABSENT };
  if (stats.isDirectory()) throw new PatchError("file_exists", `${path.display} is an existing directory; a file cannot be written there.`);
  assertRegularFile(stats, path);
  return { mode: stats.mode & 0o7777, existedOnDisk: true, expected: expectationOf(stats) };
}

/** Files staged earlier imply directories: a path cannot be both a file and a directory in one patch. */
function assertNoStagedConflict(ctx: PlanContext, path: WorkspacePath): void {
  if (ctx.staged.isStagedDirectory(path)) {
    throw new PatchError("not_a_file", `${path.display} is a directory (earlier operations in this patch create files in it).`);
  }
  const above = ctx.staged.stagedFileAbove(path);
  if (above !== undefined) {
    throw new PatchError("not_a_file", `${path.display} cannot be created: ${above.path.display} is a file written earlier in this patch.`);
  }
}

async function planAdd(ctx: PlanContext, op: AddFileOperation, index: number, report: OperationReport): Promise<void> {
  const path = await resolveWritable(ctx, op.path);
  // A new file follows the rules an edited one does: text only, and no larger than the limit.
  const data = Buffer.from(op.contents, "utf8");
  assertPatchableSize(data.length, ctx.maxFileBytes, path.display);
  if (data.includes(0)) throw new PatchError("binary_file", `${path.display} would be a binary file (the added text contains NUL bytes); patches only write text files.`);
  // Codex overwrites an existing file on Add; Spark does too, keeping that file's mode.
  const destination = await inspectDestination(ctx, path);
  const staged = ctx.staged.get(path);
  const exists = staged === undefined ? destination.existedOnDisk : staged.kind === "file";
  if (op.mustNotExist === true && exists) {
    throw new PatchError("file_exists", `${path.display} already exists; a diff from /dev/null only creates new files. Diff against its current content to change it.`);
  }
  ctx.staged.stageFile(path, index, data, destination.mode, destination);
  report.added = countLines(op.contents);
}

async function planDelete(ctx: PlanContext, op: DeleteFileOperation, index: number, report: OperationReport): Promise<void> {
  const path = await resolveWritable(ctx, op.path);
  const staged = ctx.staged.get(path);
  if (staged?.kind === "deleted") throw new PatchError("file_missing", `${path.display} was already deleted earlier in this patch.`);
  let origin = staged === undefined ? undefined : { existedOnDisk: staged.existedOnDisk, expected: staged.expected };
  if (origin === undefined) {
    assertNoStagedConflict(ctx, path);
    const stats = await statTarget(ctx.fs, path);
    if (stats === undefined) throw new PatchError("file_missing", `${path.display} does not exist, so it cannot be deleted.`);
    assertRegularFile(stats, path);
    origin = { existedOnDisk: true, expected: expectationOf(stats) };
  }
  const current = await loadCurrent(ctx, path).catch(() => undefined);
  if (current?.exists === true) report.removed = countLines(Buffer.from(current.bytes).toString("utf8"));
  ctx.staged.stageDeletion(path, index, origin);
}

async function planUpdate(ctx: PlanContext, op: UpdateFileOperation, index: number, report: OperationReport): Promise<void> {
  const source = await resolveWritable(ctx, op.path);
  const destination = op.moveTo === undefined ? source : await resolveWritable(ctx, op.moveTo);
  const current = await loadCurrent(ctx, source);
  if (!current.exists && !op.createIfMissing) {
    throw new PatchError("file_missing", `${source.display} does not exist, so it cannot be updated; to create it, use '*** Add File:' or a SEARCH/REPLACE block with an empty SEARCH.`);
  }
  const doc = current.exists ? decodeText(current.bytes, source.display) : emptyDocument();
  const result = applyHunks(doc.lines, op.hunks, { displayPath: source.display, addedLineSuffix: doc.addedLineSuffix });
  report.hunks = result.outcomes;
  const applied = result.outcomes.filter((hunk) => hunk.status === "applied").length;
  // A pure rename (a git diff's `rename from`/`rename to` without hunks) has nothing to match.
  if (applied === 0 && op.hunks.length > 0) {
    report.status = "failed";
    return;
  }
  report.status = applied === result.outcomes.length ? "applied" : "partial";
  report.added = result.added;
  report.removed = result.removed;
  const data = encodeText({ ...doc, lines: result.lines });
  assertPatchableSize(data.length, ctx.maxFileBytes, destination.display);
  const mode = current.exists ? current.mode : undefined;
  if (destination.real === source.real) {
    const origin = current.exists ? current.origin : { existedOnDisk: current.existedOnDisk, expected: current.expected };
    ctx.staged.stageFile(source, index, data, mode, origin);
    return;
  }
  const target = await inspectDestination(ctx, destination);
  ctx.staged.stageFile(destination, index, data, mode, target);
  const sourceOrigin = current.exists ? current.origin : current;
  ctx.staged.stageDeletion(source, index, { existedOnDisk: current.exists && current.origin.existedOnDisk, expected: sourceOrigin.expected }, [destination.real]);
}

function emptyDocument(): TextDocument {
  return { lines: [], bom: false, eol: "\n", addedLineSuffix: "", finalNewline: true };
}

function countLines(text: string): number {
  if (text === "") return 0;
  const breaks = text.split("\n").length - 1;
  return text.endsWith("\n") ? breaks : breaks + 1;
}
