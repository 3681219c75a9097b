import { mkdtemp, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SandboxSection } from "../../config/index.js";
import { toSparkError, UsageError } from "../../core/index.js";
import { missingToolchains, runEval, summarise, type EvalJournal, type EvalSummary, type EvalTask, type EvalTaskResult } from "../../eval/index.js";
import { agentCallSettings, agentContextPolicy, maxRoundsFrom, pricesFrom, reviewerFor } from "../../runtime/index.js";
import { createSandbox, runUnsandboxed, SandboxUnavailableError, type CommandRequest, type Sandbox } from "../../sandbox/index.js";
import type { GlobalOptions } from "../common/global-options.js";
import { withRuntime } from "../common/with-runtime.js";

/** One column of the side-by-side table: a drafter, and a reviewer when the change is reviewed. */
export interface EvalConfiguration {
  model?: string;
  reviewer?: string;
}

/** "fast,strong,fast+strong" → three configurations; a name is a model alias, PROVIDER/MODEL or local:PATH. */
export function parseConfigurations(list: string): EvalConfiguration[] {
  const configurations = list.split(",").map((item) => item.trim()).filter(Boolean).map((item) => {
    const [model, reviewer, more] = item.split("+").map((part) => part.trim());
    if (!model || more !== undefined || reviewer === "") throw new UsageError(`--configs: "${item}" is not MODEL or MODEL+REVIEWER (example: --configs fast,strong,fast+strong).`);
    return { model, ...(reviewer ? { reviewer } : {}) };
  });
  if (configurations.length === 0) throw new UsageError("--configs names no configuration: pass MODEL or MODEL+REVIEWER, comma-separated.");
  return configurations;
}

export interface EvalRunContext {
  options: GlobalOptions & { maxReviewRounds?: string; unsandboxed?: boolean };
  suiteDir: string;
  /** The suite as the user named it (a path or URL): with the configuration, the key of the journal. */
  suiteKey: string;
  /** Cloned from a URL: content nobody on this machine wrote, never run outside the sandbox. */
  remote: boolean;
  tasks: readonly EvalTask[];
  jobs: number;
  taskTimeoutMs: number;
  journal: EvalJournal;
  machine: string;
  startedAt: string;
}

/**
 * The agent's commands, the set-up scripts and the hidden tests run in the sandbox, where the suite's
 * folder (every task's hidden tests) is an empty directory. The hidden tests run the code the model wrote,
 * so where the sandbox cannot run the eval stops, unless the user passed --unsandboxed: then the agent gets
 * no shell and the tests run on this machine.
 */
async function evalSandbox(suiteDir: string, settings: SandboxSection, unsandboxed: boolean, remote: boolean): Promise<Sandbox | undefined> {
  try {
    return await createSandbox({ hiddenPaths: [await realpath(suiteDir)], settings });
  } catch (error) {
    const message = toSparkError(error).message;
    if (remote) {
      throw new SandboxUnavailableError(`${message}\nA suite cloned from a URL runs only in the sandbox (--unsandboxed does not apply to it). Review it, then pass its folder to --suite with --unsandboxed.`, { cause: error });
    }
    if (!unsandboxed) {
      throw new SandboxUnavailableError(
        `${message}\nspark eval runs a suite's set-up scripts and hidden tests on the code the model wrote; without the sandbox that code would run on this machine. ` +
          "To accept that, pass --unsandboxed.",
        { cause: error },
      );
    }
    process.stderr.write(`spark eval: ${message} --unsandboxed: set-up scripts and hidden tests run without the sandbox.\n`);
    return undefined;
  }
}

const resultLine = (configuration: string, result: EvalTaskResult) =>
  `${result.skipped ? "skip" : result.passed ? "pass" : "FAIL"} ${result.task} [${configuration}] (${result.skipped ? `skipped: ${result.skipped}` : `${result.language}, ${result.outcome}`}, ${(result.wallMs / 1000).toFixed(1)} s)\n`;

/** Runs the tasks the journal does not hold yet for one configuration, and summarises all of them. */
export async function runConfiguration(context: EvalRunContext, configuration: EvalConfiguration): Promise<{ summary: EvalSummary; interrupted: boolean }> {
  const { options } = context;
  const runtimeOptions = { ...options, ...(configuration.model ? { model: configuration.model } : {}) };
  return withRuntime(runtimeOptions, { reviewModel: configuration.reviewer }, async (runtime, signal) => {
    const model = await runtime.openFast();
    const reviewer = configuration.reviewer === undefined ? undefined : reviewerFor(runtime);
    const label = reviewer ? `${model.resolved.name} + ${reviewer.name}` : model.resolved.name;
    const stored = context.tasks.flatMap((task) => context.journal.done(context.suiteKey, label, task.name) ?? []);
    const pending = context.tasks.filter((task) => !context.journal.done(context.suiteKey, label, task.name));
    if (stored.length > 0) process.stderr.write(`spark eval: ${label}: ${stored.length} task(s) already in ${context.suiteKey}'s journal, ${pending.length} to run (--fresh starts over).\n`);
    const results = [...stored];
    if (pending.length > 0) {
      const sandbox = await evalSandbox(context.suiteDir, runtime.loaded.config.sandbox ?? {}, options.unsandboxed === true, context.remote);
      const run = (request: CommandRequest) => (sandbox ? sandbox.run(request) : runUnsandboxed(request));
      const probeDir = await realpath(await mkdtemp(join(tmpdir(), "spark-eval-probe-")));
      const cache = new Map<string, Promise<boolean>>();
      try {
        const setup = {
          drafter: { name: model.resolved.name, client: model.client, ...agentCallSettings(model.resolved.settings), context: await agentContextPolicy(runtime, model) },
          ...(reviewer ? { reviewer } : {}),
          ...(sandbox ? { sandbox } : {}),
          checkRunner: (workspace: string) => (command: string, signal?: AbortSignal) => run({ command, workspace, timeoutMs: 60_000, network: false, ...(signal ? { signal } : {}) }),
          missingToolchains: (programs: readonly string[]) => missingToolchains(programs, (command) => run({ command, workspace: probeDir, timeoutMs: 30_000, network: false }), cache),
          maxRounds: maxRoundsFrom(runtime.loaded, options.maxReviewRounds),
          prices: pricesFrom(runtime.loaded),
          maxTurns: 30,
          taskTimeoutMs: context.taskTimeoutMs,
          signal,
        };
        for await (const result of runEval(pending, setup, context.jobs)) {
          process.stderr.write(resultLine(label, result));
          if (signal.aborted) continue;
          results.push(result);
          await context.journal.record({ suite: context.suiteKey, configuration: label, result });
        }
      } finally {
        await rm(probeDir, { recursive: true, force: true });
      }
    }
    const order = context.tasks.map((task) => task.name);
    results.sort((a, b) => order.indexOf(a.task) - order.indexOf(b.task));
    return { summary: summarise(label, context.machine, context.startedAt, results), interrupted: signal.aborted };
  });
}
