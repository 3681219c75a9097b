import type { ParsedPatch } from "./patch-types.js";
import { type ApplyReport, type OperationReport, overallStatus } from "./apply-report.js";
import { type PatchFs, nodePatchFs } from "./patch-fs.js";
import { type Workspace, openWorkspace } from "./workspace-path.js";
import { DEFAULT_MAX_FILE_BYTES } from "./workspace-file.js";
import { type Staged, StagedChanges } from "./staged-changes.js";
import { type WriteGuardOptions, loadWriteGuard, plannedWrites } from "./write-guard.js";
import { planOperation } from "./plan-operations.js";
import { commitStaged, describeStaged } from "./commit-changes.js";
import { parsePatch } from "./parse-patch.js";
import { PatchError } from "./patch-error.js";

export interface ApplyPatchOptions extends WriteGuardOptions {
  /** The directory every patch path is relative to and may not leave. */
  workspace: string;
  /** Plan and report everything, write nothing (`spark apply --check`). */
  dryRun?: boolean;
  /** File-system calls, replaceable to inject faults in tests. */
  fs?: PatchFs;
  /** Files larger than this are refused (default 10 MiB). */
  maxFileBytes?: number;
}

/**
 * Applies a Codex or SEARCH/REPLACE patch inside a workspace.
 *
 * Rule: the patch is parsed whole first (a malformed or cut-off patch changes nothing). Then every file
 * operation is planned in order against an in-memory overlay; each hunk succeeds or fails on its own,
 * and a file gets its successful hunks (status "partial" when some failed), so a model only has to
 * resend the hunks that failed. An operation that fails outright (missing file, path outside the
 * workspace, binary file) does not stop the others, as in Codex, where earlier operations stay applied
 * when a later one fails. Finally each changed file is written once, atomically (temp file, fsync,
 * rename): on disk a file is always wholly old or wholly new. Protected paths (.git, hooks, Spark's and
 * editors' config; see write-guard.ts) are refused per operation, like any other refused path.
 *
 * Patch problems are reported, not thrown; only an unusable workspace throws (a PatchError).
 */
export async function applyPatch(text: string, options: ApplyPatchOptions): Promise<ApplyReport> {
  const dryRun = options.dryRun ?? false;
  const fs = options.fs ?? nodePatchFs;
  let parsed: ParsedPatch;
  try {
    parsed = parsePatch(text);
  } catch (error) {
    if (!(error instanceof PatchError)) throw error;
    const reported = error.line === undefined ? {} : { line: error.line };
    return { status: "refused", dryRun, operations: [], files: [], error: { code: error.patchCode, message: error.message, ...reported } };
  }
  return applyParsedPatch(parsed, { ...options, dryRun, fs });
}

/** The same, for a patch already parsed (the agent parses once to show it, then applies). */
export async function applyParsedPatch(parsed: ParsedPatch, options: ApplyPatchOptions): Promise<ApplyReport> {
  const plan = await planPatch(parsed, options);
  if (options.dryRun === true) return dryRunReport(plan);
  return commitPlan(plan);
}

/** Every operation worked out against the workspace, nothing written yet. */
export interface PatchPlan {
  format: ParsedPatch["format"];
  workspace: Workspace;
  fs: PatchFs;
  operations: OperationReport[];
  staged: Staged[];
}

export async function planPatch(parsed: ParsedPatch, options: ApplyPatchOptions): Promise<PatchPlan> {
  const fs = options.fs ?? nodePatchFs;
  const workspace = await openWorkspace(options.workspace, fs);
  const guard = await loadWriteGuard(workspace, options, await plannedWrites(parsed.operations, workspace, fs));
  const staged = new StagedChanges();
  const ctx = { fs, workspace, staged, guard, maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
  const operations: OperationReport[] = [];
  for (const [index, op] of parsed.operations.entries()) operations.push(await planOperation(ctx, op, index));
  return { format: parsed.format, workspace, fs, operations, staged: staged.list() };
}

export function dryRunReport(plan: PatchPlan): ApplyReport {
  return { status: overallStatus(plan.operations), dryRun: true, format: plan.format, operations: plan.operations, files: describeStaged(plan.staged) };
}

/** Writes a plan; an operation whose file could not be written is reported failed, the others stand. */
export async function commitPlan(plan: PatchPlan): Promise<ApplyReport> {
  const committed = await commitStaged(plan.staged, plan.fs, plan.workspace);
  const operations = plan.operations;
  for (const [index, error] of committed.failures) {
    const op = operations[index];
    if (op === undefined) continue;
    op.status = "failed";
    op.error = error;
  }
  return { status: overallStatus(operations), dryRun: false, format: plan.format, operations, files: committed.files };
}
