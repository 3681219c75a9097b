import { defaultEscalationPolicy, detectChecks, type CheckRunner, type EscalationPolicy, type ModelPrice, type PipelineReviewer } from "../agent/review/index.js";
import { REVIEW_ALIAS, type LoadedConfig } from "../config/index.js";
import { UsageError, toSparkError } from "../core/index.js";
import { createSandbox, type Sandbox } from "../sandbox/index.js";
import { agentContextPolicy } from "./agent-context.js";
import type { ModelRuntime } from "./model-runtime.js";

/**
 * What every command that reviews shares (`spark exec --review`, `spark review`, `spark eval`, the
 * session's /review): the `[review]` config turned into the pipeline's settings, the checks (configured
 * or detected), a sandbox to run them in, and the review model, opened on first use.
 */

const defaultMaxRounds = 3;
const defaultCheckTimeoutMs = 120_000;

export interface ReviewFlags {
  /** Given to the runtime as its review role. */
  reviewModel?: string | undefined;
  /** commander's `--no-escalate` gives escalate: false. */
  escalate?: boolean | undefined;
  maxReviewRounds?: string | undefined;
}

export function maxRoundsFrom(loaded: LoadedConfig, flag: string | undefined): number {
  if (flag === undefined) return loaded.config.review?.max_rounds ?? defaultMaxRounds;
  const rounds = Number(flag);
  if (!Number.isInteger(rounds) || rounds < 1) throw new UsageError(`--max-review-rounds expects a positive whole number, got "${flag}".`);
  return rounds;
}

/** The escalation policy of `[review.escalate]`; undefined when turned off there or by --no-escalate. */
export function escalationPolicyFrom(loaded: LoadedConfig, flags: ReviewFlags): EscalationPolicy | undefined {
  const section = loaded.config.review?.escalate;
  if (flags.escalate === false || section?.enabled === false) return undefined;
  return {
    paths: section?.paths ?? defaultEscalationPolicy.paths,
    maxFiles: section?.max_files ?? defaultEscalationPolicy.maxFiles,
    onFailedChecks: section?.on_failed_checks ?? defaultEscalationPolicy.onFailedChecks,
    mode: section?.mode ?? defaultEscalationPolicy.mode,
  };
}

export const pricesFrom = (loaded: LoadedConfig): Record<string, ModelPrice> => loaded.config.review?.prices ?? {};

export async function checksFor(loaded: LoadedConfig, workspace: string): Promise<string[]> {
  return loaded.config.review?.checks ?? (await detectChecks(workspace));
}

/** Checks run in the bubblewrap sandbox, without network; where it cannot run they are skipped, saying why. */
export async function checkRunnerFor(loaded: LoadedConfig, workspace: string, sandbox?: Sandbox): Promise<CheckRunner | { unavailable: string }> {
  let box: Sandbox;
  try {
    box = sandbox ?? (await createSandbox({ settings: loaded.config.sandbox ?? {} }));
  } catch (error) {
    return { unavailable: `not run: ${toSparkError(error).message}` };
  }
  const timeoutMs = loaded.config.review?.check_timeout_ms ?? defaultCheckTimeoutMs;
  return (command, signal) => box.run({ command, workspace, timeoutMs, network: false, ...(signal ? { signal } : {}) });
}

/** The runtime's review model (`--review-model`, else the `review` alias), resolved now and opened when first needed. */
export function reviewerFor(runtime: ModelRuntime): PipelineReviewer {
  const chosen = runtime.roleName("review");
  if (chosen === undefined) {
    throw new UsageError(`No review model: set one in config ([aliases] ${REVIEW_ALIAS} = "PROVIDER/MODEL") or pass --review-model NAME.`);
  }
  const resolved = runtime.resolve(chosen);
  return {
    name: resolved.name,
    boundedSchema: resolved.target.kind !== "remote",
    ...(resolved.settings.temperature !== undefined ? { temperature: resolved.settings.temperature } : {}),
    ...(resolved.settings.maxTokens !== undefined ? { maxTokens: resolved.settings.maxTokens } : {}),
    open: async () => (await runtime.open(chosen)).client,
    contextFor: (client) => agentContextPolicy(runtime, { client, resolved }),
  };
}
