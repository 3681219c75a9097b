import { execFile } from "node:child_process";
import { cp, mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { defaultTools, patchToolResult, systemPrompt, type Tool, type ToolContext } from "../agent/index.js";
import { gitChange, runReviewPipeline, type CheckRunner, type ModelAccount, type PipelineDrafter, type PipelineReviewer, type ReviewOutcome, type ReviewReport } from "../agent/review/index.js";
import { toSparkError } from "../core/index.js";
import { applyPatch } from "../edits/index.js";
import type { Sandbox } from "../sandbox/index.js";
import type { EvalTask } from "./eval-task.js";

const run = promisify(execFile);

/** What every task of one eval run shares: the models, where commands run, and the limits. */
export interface EvalSetup {
  drafter: PipelineDrafter;
  /** With a reviewer every change is reviewed (drafter + reviewer); without, the drafter works alone. */
  reviewer?: PipelineReviewer;
  /** Runs the hidden tests (in the sandbox where it can run). */
  checkRunner: (workspace: string) => CheckRunner;
  /** Lets the agent run commands in full-auto mode; absent, it only reads and patches. */
  sandbox?: Sandbox;
  maxRounds: number;
  maxTurns: number;
  taskTimeoutMs: number;
  signal?: AbortSignal;
}

export interface EvalTaskResult {
  task: string;
  language: string;
  passed: boolean;
  outcome: ReviewOutcome;
  wallMs: number;
  accounting: ModelAccount[];
  /** The end of the hidden tests' output, or why the task failed before them. */
  detail: string;
}

/** A copy of the fixture as a git repository, so the reviewer sees the change as a diff. */
async function prepareWorkspace(task: EvalTask): Promise<string> {
  const workspace = await realpath(await mkdtemp(join(tmpdir(), `spark-eval-${task.name}-`)));
  await cp(task.repoDir, workspace, { recursive: true });
  const git = (...args: string[]) => run("git", ["-c", "user.email=eval@spark", "-c", "user.name=spark-eval", ...args], { cwd: workspace });
  await git("init", "-q");
  await git("add", "-A");
  await git("commit", "-qm", "fixture");
  return workspace;
}

function toolContext(workspace: string, sandbox: Sandbox | undefined): Omit<ToolContext, "signal"> {
  return {
    workspace,
    approvalMode: sandbox ? "full-auto" : "auto-edit",
    allowNetwork: false,
    applyPatch: async (patch) => patchToolResult(await applyPatch(patch, { workspace })),
    ...(sandbox ? { sandbox } : {}),
  };
}

/** The working tree against the fixture, new files included. */
async function worktreeChange(workspace: string) {
  await run("git", ["add", "-A", "-N"], { cwd: workspace });
  return gitChange(workspace, { worktree: true });
}

/** Runs the agent (and the reviewer) on a copy of the task's fixture, then its hidden tests; never throws. */
export async function runEvalTask(task: EvalTask, setup: EvalSetup, tools: readonly Tool[] = defaultTools): Promise<EvalTaskResult> {
  const started = performance.now();
  const signal = AbortSignal.any([AbortSignal.timeout(setup.taskTimeoutMs), ...(setup.signal ? [setup.signal] : [])]);
  const workspace = await prepareWorkspace(task);
  const result = (passed: boolean, outcome: ReviewOutcome, accounting: ModelAccount[], detail: string): EvalTaskResult => ({
    task: task.name, language: task.language, passed, outcome, wallMs: Math.round(performance.now() - started), accounting, detail,
  });
  try {
    const events = runReviewPipeline({
      task: task.instruction,
      messages: [
        { role: "system", content: systemPrompt({ workspace, canRunCommands: setup.sandbox !== undefined }) },
        { role: "user", content: task.instruction },
      ],
      drafter: setup.drafter,
      ...(setup.reviewer ? { reviewer: setup.reviewer } : {}),
      tools,
      toolContext: toolContext(workspace, setup.sandbox),
      currentChange: () => worktreeChange(workspace),
      checks: [],
      checkRunner: setup.checkRunner(workspace),
      review: setup.reviewer !== undefined,
      escalation: undefined,
      maxRounds: setup.maxRounds,
      maxTurns: setup.maxTurns,
      signal,
    });
    let report: ReviewReport | undefined;
    for await (const event of events) if (event.type === "report") report = event.report;
    if (!report) return result(false, "failed", [], "the pipeline ended without a report");
    if (signal.aborted) return result(false, "interrupted", report.accounting, `stopped: over the ${setup.taskTimeoutMs} ms limit, or interrupted`);
    await cp(task.hiddenDir, workspace, { recursive: true });
    const check = await setup.checkRunner(workspace)(task.check, setup.signal);
    const passed = check.exitCode === 0 && !check.timedOut;
    return result(passed, report.outcome, report.accounting, `${report.error ? `${report.error}\n` : ""}${check.output.slice(-2000)}`);
  } catch (error) {
    return result(false, "failed", [], toSparkError(error).message);
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
