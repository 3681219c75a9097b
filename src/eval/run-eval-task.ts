import { execFile } from "node:child_process";
import { cp, lstat, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { promisify } from "node:util";
import { defaultTools, patchToolResult, systemPrompt, type Tool, type ToolContext } from "../agent/index.js";
import { gitChange, runReviewPipeline, type CheckRunner, type ModelAccount, type ModelPrice, type PipelineDrafter, type PipelineReviewer, type ReviewOutcome, type ReviewReport } from "../agent/review/index.js";
import { toSparkError } from "../core/index.js";
import { applyPatch } from "../edits/index.js";
import type { Sandbox } from "../sandbox/index.js";
import { safeGitArgs, safeGitEnv } from "../workspace/index.js";
import type { EvalTask, HiddenCopy } from "./eval-task.js";
import { insideRelative, realInside } from "./suite-paths.js";

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
  /** `[review.prices]`: each model's price per million tokens, for the cost column. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Which of the programs are missing where the tests run; absent, none is checked. */
  missingToolchains?: (programs: readonly string[]) => Promise<string[]>;
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
  /** Why the task did not run (a missing toolchain, a failed set-up): not a failure of the model. */
  skipped?: string;
  /** The drafter's mean time to first token over its calls, when the upstream reported it. */
  ttftMs: number | null;
  /** Drafting rounds (draft, revisions, hand-off). */
  rounds: number;
  /** Whether the change was escalated (the policy picked it, or it was handed off). */
  escalated: boolean;
}

/** The task cannot start for a reason of its suite (its set-up failed): skipped, not a failure of the model. */
class SetupFailed extends Error {}

/** Copies a suite's file or folder, leaving out symbolic links (a suite's link could point anywhere on this machine). */
const copyWithoutLinks = (from: string, to: string, skip: (relativePath: string) => boolean = () => false) =>
  cp(from, to, {
    recursive: true,
    force: true,
    filter: async (source) => {
      const rel = relative(from, source).split(sep).join("/");
      if (rel !== "" && skip(rel)) return false;
      return !(await lstat(source)).isSymbolicLink();
    },
  });

/**
 * A copy of the fixture (less the task's excluded paths, the suite's .git and every symbolic link), set
 * up by the task's set-up script in the sandbox, as a git repository, so the reviewer sees the change as
 * a diff.
 */
async function prepareWorkspace(task: EvalTask, purpose: string, setup: EvalSetup): Promise<string> {
  const workspace = await realpath(await mkdtemp(join(tmpdir(), `spark-eval-${task.name.replace(/[^A-Za-z0-9_.-]/g, "_")}-${purpose}-`)));
  try {
    const excluded = (rel: string) => rel === ".git" || task.exclude.some((path) => rel === path || rel.startsWith(`${path}/`));
    await copyWithoutLinks(await realInside(task.root, task.repoDir, task.name), workspace, excluded);
    if (task.setup !== undefined) {
      // A suite's script runs only in the sandbox, never on this machine, --unsandboxed or not.
      if (!setup.sandbox) throw new SetupFailed("the task has a set-up script, which runs only in the sandbox, and the sandbox cannot run here");
      const done = await setup.checkRunner(workspace)(task.setup, setup.signal);
      if (done.exitCode !== 0 || done.timedOut) throw new SetupFailed(`the set-up script failed (exit ${done.exitCode ?? done.signal ?? "?"}): ${done.output.slice(-500)}`);
    }
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
async function testWorkspace(task: EvalTask, agentWorkspace: string, setup: EvalSetup): Promise<string> {
  await gitIn(agentWorkspace, "add", "-A");
  // Bytes, not text: a change to a file that is not UTF-8 must apply as it is.
  const diffArgs = await safeGitArgs(agentWorkspace, ["diff", "--no-ext-diff", "--no-textconv", "--cached", "--binary", "HEAD"]);
  const { stdout: diff } = await run("git", diffArgs, { cwd: agentWorkspace, env: safeGitEnv(), encoding: "buffer", maxBuffer: 256 * 1024 * 1024 });
  const fresh = await prepareWorkspace(task, "test", setup);
  try {
    if (diff.length > 0) {
      const patch = join(fresh, ".git", "agent-change.patch");
      await writeFile(patch, diff);
      await gitIn(fresh, "apply", "--binary", "--whitespace=nowarn", patch);
    }
    for (const hidden of await hiddenEntries(task)) {
      const target = await clearedTarget(fresh, insideRelative(hidden.to, task.name));
      await copyWithoutLinks(await realInside(task.root, hidden.from, task.name), target);
    }
    return fresh;
  } catch (error) {
    await rm(fresh, { recursive: true, force: true });
    throw error;
  }
}

/** The hidden copies, a folder copied to the root taken entry by entry (so each is cleared first). */
async function hiddenEntries(task: EvalTask): Promise<HiddenCopy[]> {
  const copies = await Promise.all(
    task.hidden.map(async (hidden) =>
      hidden.to === "." ? (await readdir(hidden.from)).map((name) => ({ from: join(hidden.from, name), to: name })) : [hidden],
    ),
  );
  return copies.flat();
}

/**
 * The path a hidden file goes to, with what the agent's change left there removed first: a planted file
 * or folder at that name (a conftest.py beside the tests), and any link or file in place of a folder on
 * the way, which would carry the copy out of the workspace (git applies symbolic links).
 */
async function clearedTarget(root: string, rel: string): Promise<string> {
  const parts = rel.split(sep);
  let current = root;
  for (const part of parts.slice(0, -1)) {
    current = join(current, part);
    const info = await lstat(current).catch(() => undefined);
    if (info && !info.isDirectory()) await rm(current, { force: true });
    if (!info || !info.isDirectory()) await mkdir(current);
  }
  const target = join(root, rel);
  await rm(target, { recursive: true, force: true });
  return target;
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
  let ttfts: number[] = [];
  const result = (passed: boolean, outcome: ReviewOutcome, report: Pick<ReviewReport, "accounting" | "rounds" | "escalation"> | undefined, detail: string, skipped?: string): EvalTaskResult => ({
    task: task.name,
    language: task.language,
    passed,
    outcome,
    wallMs: Math.round(performance.now() - started),
    accounting: report?.accounting ?? [],
    detail,
    ...(skipped ? { skipped } : {}),
    ttftMs: ttfts.length === 0 ? null : Math.round(ttfts.reduce((sum, ms) => sum + ms, 0) / ttfts.length),
    rounds: report?.rounds.length ?? 0,
    escalated: report?.escalation?.escalate === true || (report?.rounds.some((round) => round.kind === "handoff") ?? false),
  });
  try {
    const missing = setup.missingToolchains ? await setup.missingToolchains(task.toolchains) : [];
    if (missing.length > 0) return result(false, "failed", undefined, "", `missing ${missing.join(", ")}`);
    try {
      workspace = await prepareWorkspace(task, "agent", setup);
    } catch (error) {
      if (error instanceof SetupFailed) return result(false, "failed", undefined, error.message, "set-up failed");
      throw error;
    }
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
      ...(setup.prices ? { prices: setup.prices } : {}),
      signal,
    });
    let report: ReviewReport | undefined;
    for await (const event of events) {
      if (event.type === "report") report = event.report;
      else if (event.type === "agent" && event.role === "drafter" && event.event.type === "metrics" && event.event.metrics.ttftMs !== null) ttfts = [...ttfts, event.event.metrics.ttftMs];
    }
    if (!report) return result(false, "failed", undefined, "the pipeline ended without a report");
    if (signal.aborted) return result(false, "interrupted", report, `stopped: over the ${setup.taskTimeoutMs} ms limit, or interrupted`);
    tested = await testWorkspace(task, workspace, setup);
    const check = await setup.checkRunner(tested)(task.check, setup.signal);
    const passed = check.exitCode === 0 && !check.timedOut;
    return result(passed, report.outcome, report, `${report.error ? `${report.error}\n` : ""}${check.output.slice(-2000)}`);
  } catch (error) {
    return result(false, "failed", undefined, toSparkError(error).message);
  } finally {
    for (const dir of [workspace, tested]) if (dir) await rm(dir, { recursive: true, force: true });
  }
}
