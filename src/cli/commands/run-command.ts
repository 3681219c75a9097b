import { readFile } from "node:fs/promises";
import type { FinishReason, Message, Metrics, StreamEvent, Usage } from "../../core/index.js";
import { errorMessage, UsageError } from "../../core/index.js";
import { exitCodes } from "../common/exit-codes.js";
import { formatCallSummary } from "../common/format-call-summary.js";
import type { GlobalOptions } from "../common/global-options.js";
import { withRuntime } from "../common/with-runtime.js";
import { readPipedStdin } from "../common/read-stdin.js";
import { exitCodeFor } from "../common/report-error.js";

export interface RunOptions extends GlobalOptions {
  json?: boolean;
  system?: string;
  /** A file whose text the answer is expected to repeat (OpenAI Predicted Outputs). */
  prediction?: string;
}

interface Outcome {
  reason: FinishReason;
  usage?: Usage;
  metrics?: Metrics;
  error?: Extract<StreamEvent, { type: "error" }>["error"];
  endsWithNewline: boolean;
}

function buildPrompt(words: string[], piped: string | undefined): string {
  const prompt = words.join(" ").trim();
  if (!prompt && !piped) {
    throw new UsageError('Give a task: spark "write a debounce function in TypeScript" (or pipe text in: cat file.ts | spark "explain").');
  }
  return [prompt, piped].filter(Boolean).join("\n\n");
}

async function readPrediction(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read the prediction file ${file}: ${errorMessage(error)}.`, { cause: error });
  }
}

/** Writes each event as it arrives: text to stdout, everything else to stderr (or JSONL with --json). */
function render(event: StreamEvent, outcome: Outcome, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  } else if (event.type === "text-delta") {
    process.stdout.write(event.text);
    if (event.text.length > 0) outcome.endsWithNewline = event.text.endsWith("\n");
  } else if (event.type === "reasoning-delta") {
    process.stderr.write(event.text);
  } else if (event.type === "tool-call") {
    process.stderr.write(`\n[tool call ${event.toolCall.name} ${event.toolCall.arguments}]\n`);
  }
  if (event.type === "usage") outcome.usage = event.usage;
  if (event.type === "metrics") outcome.metrics = event.metrics;
  if (event.type === "error") outcome.error = event.error;
  if (event.type === "finish") outcome.reason = event.reason;
}

/** `spark [-m MODEL] "task"`: one streamed answer, speed figures on stderr at the end. */
export async function runPrompt(words: string[], options: RunOptions): Promise<number> {
  // No task, nothing piped, a terminal on both ends: the interactive session (Ink loads only then).
  if (words.join(" ").trim() === "" && process.stdin.isTTY && process.stdout.isTTY && !options.json) {
    const { openSession } = await import("../session/open-session.js");
    return openSession(options);
  }
  return withRuntime(options, {}, async (runtime, signal) => {
    const model = await runtime.openFast();
    const prompt = buildPrompt(words, await readPipedStdin());
    const prediction = options.prediction === undefined ? undefined : await readPrediction(options.prediction);
    const { settings } = model.resolved;
    const messages: Message[] = [...(options.system ? [{ role: "system" as const, content: options.system }] : []), { role: "user", content: prompt }];
    const outcome: Outcome = { reason: "stop", endsWithNewline: true };
    const events = model.client.stream(
      {
        messages,
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
        ...(prediction !== undefined ? { prediction } : {}),
      },
      { signal },
    );
    for await (const event of events) render(event, outcome, options.json ?? false);
    if (!options.json) {
      if (!outcome.endsWithNewline) process.stdout.write("\n");
      // Speed figures of a call that produced nothing only push the error that follows out of sight.
      if (outcome.usage && outcome.metrics && outcome.usage.outputTokens > 0) process.stderr.write(`${formatCallSummary(model.client.displayName, outcome.usage, outcome.metrics, outcome.reason)}\n`);
    }
    if (outcome.error) {
      process.stderr.write(`spark: ${outcome.error.message}\n`);
      return exitCodeFor(outcome.error);
    }
    if (outcome.reason === "error") return exitCodes.failed;
    return outcome.reason === "abort" ? exitCodes.interrupted : exitCodes.ok;
  });
}
