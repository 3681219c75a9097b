import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { errorMessage, UsageError } from "../../core/index.js";
import { applyPatch, applyWithCheckpoint, formatApplyReport, formatLazyEditReport, type ApplyReport, type ApplyStatus, type LazyEditReport } from "../../edits/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { exitCodes } from "../common/exit-codes.js";
import { readPipedStdin } from "../common/read-stdin.js";
import { workspaceWriteSettings } from "../../config/index.js";

export interface ApplyCommandOptions {
  cwd?: string;
  check?: boolean;
  allowProtected?: boolean;
  json?: boolean;
  /** `--lazy`: FILE is the file to edit, SNIPPET the lazy edit (apply-lazy.ts). */
  lazy?: boolean;
  mergeModel?: string;
}

const STATUS_EXIT: Record<ApplyStatus, number> = {
  applied: exitCodes.patchApplied,
  partial: exitCodes.patchPartial,
  refused: exitCodes.patchRefused,
};

/** `spark apply [FILE|-]`: applies a patch in the workspace and records a checkpoint for `spark undo`. */
export async function applyCommand(file: string | undefined, options: ApplyCommandOptions & GlobalOptions, snippetFile?: string): Promise<number> {
  const workspace = await workspaceOption(options.cwd);
  const patch = await readPatch(options.lazy ? snippetFile : file);
  const { locksDir, protectedGlobs } = await workspaceWriteSettings(workspace);
  // Only a person typing --allow-protected lifts the protection; no other entry point can.
  const guard = { protectedGlobs, allowProtected: options.allowProtected === true };
  let report: (ApplyReport & { checkpointId?: number }) | LazyEditReport;
  if (options.lazy) {
    // The lazy merge may open a model, and a real apply records a checkpoint in SQLite: both load only then.
    const { applyLazyFile } = await import("./apply-lazy.js");
    report = await applyLazyFile(file, patch, { workspace, check: options.check === true, guard, locksDir }, options);
  } else if (options.check) {
    // A check writes nothing anywhere: not the workspace, not the checkpoint database.
    report = await applyPatch(patch, { workspace, dryRun: true, ...guard });
  } else {
    const { withStores } = await import("../common/with-stores.js");
    report = await withStores((stores) => applyWithCheckpoint(patch, { workspace, store: stores.checkpoints, locksDir, ...guard }));
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${"merge" in report ? formatLazyEditReport(report) : formatApplyReport(report)}\n`);
    if (report.checkpointId !== undefined) process.stderr.write(`Checkpoint ${report.checkpointId} recorded; \`spark undo\` restores the files.\n`);
  }
  return STATUS_EXIT[report.status];
}

/** The workspace a command works in: --cwd/-C, or the current directory. Must be an existing directory. */
export async function workspaceOption(dir: string | undefined): Promise<string> {
  const workspace = resolve(process.cwd(), dir ?? ".");
  const stats = await stat(workspace).catch(() => undefined);
  if (stats === undefined) throw new UsageError(`The workspace directory ${workspace} does not exist (check --cwd).`);
  if (!stats.isDirectory()) throw new UsageError(`The workspace ${workspace} is not a directory (check --cwd).`);
  return workspace;
}

async function readPatch(file: string | undefined): Promise<string> {
  if (file === undefined || file === "-") {
    const piped = await readPipedStdin();
    if (piped === undefined) throw new UsageError("No patch to apply: give a patch file (spark apply PATCH) or pipe one in (spark apply < PATCH).");
    return piped;
  }
  const path = resolve(process.cwd(), file);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "it does not exist" : code === "EISDIR" ? "it is a directory" : errorMessage(error);
    throw new UsageError(`Cannot read the patch file ${file}: ${why}.`, { cause: error });
  }
}
