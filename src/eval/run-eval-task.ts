import { execFile } from "node:child_process";
import { cp, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { defaultTools, patchToolResult, systemPrompt, type Tool, type ToolContext } from "../agent/index.js";
import { gitChange, runReviewPipeline, type CheckRunner, type ModelAccount, type PipelineDrafter, type PipelineReviewer, type ReviewOutcome, type ReviewReport } from "../agent/review/index.js";
import { toSparkError } from "../core/index.js";
import { applyPatch } from "../edits/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { safeGitArgs, safeGitEnv } from "../workspace/index.js";
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
async function prepareWorkspace(task: EvalTask, purpose: string): Promise<string> {
  const workspace = await realpath(await mkdtemp(join(tmpdir(), `spark-eval-${task.name}-${purpose}-`)));
  try {
    await cp(task.repoDir, workspace, { recursive: true });
    await gitIn(workspace, "init", "-q");
    await gitIn(workspace, "add", "-A");
    await gitIn(workspace, "commit", "-qm", "fixture");
    return workspace;
  } catch (error) {
    await rm(workspace, { recursive: true, force: true });
    throw error;
  }
}

/** git in a workspace the agent (or a task's fixture) wrote: with nothing it configured allowed to run. */
const gitIn = async (workspace: string, ...args: string[]) =>
  run("git", await safeGitArgs(workspace, ["-c", "user.email=eval@spark", "-c", "user.name=spark-eval", ...args]), {
    cwd: workspace,
    env: safeGitEnv(),
    maxBuffer: 64 * 1024 * 1024,
  });

/**
 * Where the hidden tests run: a fresh copy of the fixture with only the agent's change to its files
 * applied (binary-safe), never the tree the agent controlled, where an ignored or planted file could
 * fake a pass. The hidden tests go in last, over anything of the same name.
 */
async function testWorkspace(task: EvalTask, agentWorkspace: string): Promise<string> {
  await gitIn(agentWorkspace, "add", "-A");
  // Bytes, not text: a change to a file that is not UTF-8 must apply as it is.
  const diffArgs = await safeGitArgs(agentWorkspace, ["diff", "--no-ext-diff", "--no-textconv", "--cached", "--binary", "HEAD"]);
  const { stdout: diff } = await run("git", diffArgs, { cwd: agentWorkspace, env: safeGitEnv(), encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  const fresh = await prepareWorkspace(task, "test");
  try {
    if (diff.length > 0) {
      const patch = join(fresh, ".git", "agent-change.patch");
      await writeFile(patch, diff);
      await gitIn(fresh, "apply", "--binary", "--whitespace=nowarn", patch);
    }
    await cp(task.hiddenDir, fresh, { recursive: true, force: true });
    return fresh;
  } catch (error) {
    await rm(fresh, { recursive: true, force: true });
    throw error;
  }
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
  await gitIn(workspace, "add", "-A", "-N");
  return gitChange(workspace, { worktree: true });
}

/** Runs the agent (and the reviewer) on a copy of the task's fixture, then its hidden tests; never throws. */
export async function runEvalTask(task: EvalTask, setup: EvalSetup, tools: readonly Tool[] = defaultTools): Promise<EvalTaskResult> {
  const started = performance.now();
  const signal = AbortSignal.any([AbortSignal.timeout(setup.taskTimeoutMs), ...(setup.signal ? [setup.signal] : [])]);
  let workspace: string | undefined;
  let tested: string | undefined;
  const result = (passed: boolean, outcome: ReviewOutcome, accounting: ModelAccount[], detail: string): EvalTaskResult => ({
    task: task.name, language: task.language, passed, outcome, wallMs: Math.round(performance.now() - started), accounting, detail,
  });
  try {
    workspace = await prepareWorkspace(task, "agent");
    const agentWorkspace = workspace;
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
      currentChange: () => worktreeChange(agentWorkspace),
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
    tested = await testWorkspace(task, workspace);
    const check = await setup.checkRunner(tested)(task.check, setup.signal);
    const passed = check.exitCode === 0 && !check.timedOut;
    return result(passed, report.outcome, report.accounting, `${report.error ? `${report.error}\n` : ""}${check.output.slice(-2000)}`);
  } catch (error) {
    return result(false, "failed", [], toSparkError(error).message);
  } finally {
    for (const dir of [workspace, tested]) if (dir) await rm(dir, { recursive: true, force: true });
  }
}
