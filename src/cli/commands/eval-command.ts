import { mkdir, realpath, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { bundledTasksDir, formatEvalMarkdown, loadEvalTasks, modelTotals, runEval, type EvalSummary, type EvalTaskResult } from "../../eval/index.js";
import type { SandboxSection } from "../../config/index.js";
import { UsageError, toSparkError } from "../../core/index.js";
import { createSandbox, runUnsandboxed, SandboxUnavailableError, type Sandbox } from "../../sandbox/index.js";
import { agentCallSettings, agentContextPolicy, maxRoundsFrom, reviewerFor } from "../../runtime/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { withRuntime } from "../common/with-runtime.js";

export interface EvalOptions extends GlobalOptions {
  tasks?: string;
  tasksDir?: string;
  jobs?: string;
  reviewModel?: string;
  maxReviewRounds?: string;
  taskTimeout?: string;
  out?: string;
  json?: boolean;
  unsandboxed?: boolean;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} expects a positive whole number, got "${value}".`);
  return number;
}

function machineLabel(): string {
  const cores = cpus();
  return `${cores.length} vCPU ${cores[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/**
 * The agent's commands and the hidden tests run in the sandbox, where the suite's folder (every task's
 * hidden/ tests) is an empty directory. The hidden tests run the code the model wrote, so where the sandbox
 * cannot run the eval stops, unless the user passed --unsandboxed: then the agent gets no shell and the
 * tests run on this machine.
 */
async function evalSandbox(tasksDir: string, settings: SandboxSection, unsandboxed: boolean): Promise<Sandbox | undefined> {
  try {
    return await createSandbox({ hiddenPaths: [await realpath(tasksDir)], settings });
  } catch (error) {
    const message = toSparkError(error).message;
    if (!unsandboxed) {
      throw new SandboxUnavailableError(
        `${message}\nspark eval runs the hidden tests on the code the model wrote; without the sandbox that code would run on this machine. ` +
          "To accept that, pass --unsandboxed.",
        { cause: error },
      );
    }
    process.stderr.write(`spark eval: ${message} --unsandboxed: the hidden tests run without the sandbox.\n`);
    return undefined;
  }
}

const resultLine = (result: EvalTaskResult) => `${result.passed ? "pass" : "FAIL"} ${result.task} (${result.language}, ${result.outcome}, ${(result.wallMs / 1000).toFixed(1)} s)\n`;

/** `spark eval`: the bundled tasks against one model or drafter + reviewer; a table under bench/results/. */
export async function runEvalCommand(options: EvalOptions): Promise<number> {
  const tasksDir = resolve(options.tasksDir ?? bundledTasksDir);
  const tasks = await loadEvalTasks(tasksDir, options.tasks?.split(",").map((name) => name.trim()).filter(Boolean));
  const jobs = positive("--jobs", options.jobs, 2);
  const taskTimeoutMs = positive("--task-timeout", options.taskTimeout, 300) * 1000;
  return withRuntime(options, { reviewModel: options.reviewModel }, async (runtime, signal) => {
    const model = await runtime.openFast();
    const sandbox = await evalSandbox(tasksDir, runtime.loaded.config.sandbox ?? {}, options.unsandboxed === true);
    // Drafter and reviewer only when asked: the `review` alias alone does not turn review on here.
    const reviewer = options.reviewModel === undefined ? undefined : reviewerFor(runtime);
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const results: EvalTaskResult[] = [];
    const setup = {
      drafter: { name: model.resolved.name, client: model.client, ...agentCallSettings(model.resolved.settings), context: await agentContextPolicy(runtime, model) },
      ...(reviewer ? { reviewer } : {}),
      ...(sandbox ? { sandbox } : {}),
      checkRunner: (workspace: string) => (command: string, signal?: AbortSignal) =>
        (sandbox ? sandbox.run.bind(sandbox) : runUnsandboxed)({ command, workspace, timeoutMs: 60_000, network: false, ...(signal ? { signal } : {}) }),
      maxRounds: maxRoundsFrom(runtime.loaded, options.maxReviewRounds),
      maxTurns: 30,
      taskTimeoutMs,
      signal,
    };
    for await (const result of runEval(tasks, setup, jobs)) {
      results.push(result);
      process.stderr.write(resultLine(result));
    }
    const order = tasks.map((task) => task.name);
    results.sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task));
    const passed = results.filter((result) => result.passed).length;
    const summary: EvalSummary = {
      configuration: reviewer ? `${model.resolved.name} + ${reviewer.name}` : model.resolved.name,
      machine: machineLabel(),
      startedAt,
      tasks: results.length,
      passed,
      passRate: results.length === 0 ? 0 : passed / results.length,
      wallMs: Math.round(performance.now() - started),
      models: modelTotals(results),
      results,
    };
    const out = resolve(options.out ?? join("bench", "results"));
    await mkdir(out, { recursive: true });
    const markdown = formatEvalMarkdown(summary);
    await writeFile(join(out, "eval.json"), `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(join(out, "eval.md"), markdown);
    process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : markdown);
    process.stderr.write(`Results: ${join(out, "eval.json")} and eval.md\n`);
    return signal.aborted ? exitCodes.interrupted : exitCodes.ok;
  });
}
