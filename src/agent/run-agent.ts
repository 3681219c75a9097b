import { addUsage, emptyUsage, toSparkError, type FinishReason, type Message, type ModelRequest, type ToolCall, type Usage } from "../core/index.js";
import type { ModelClient } from "../models/index.js";
import type { AgentEvent, AgentStatus } from "./agent-events.js";
import { capToolOutput, fitContext, toolOutputLimits, type ContextPolicy, type FitResult } from "./context/index.js";
import type { FileChange, Tool, ToolContext, ToolResult } from "./tools/index.js";

export interface AgentOptions {
  client: ModelClient;
  /** The conversation so far, system prompt first; the new task is its last user message. */
  messages: Message[];
  tools: readonly Tool[];
  toolContext: Omit<ToolContext, "signal">;
  signal?: AbortSignal;
  /** Most model calls in one task, so a confused model cannot loop for ever. */
  maxTurns?: number;
  temperature?: number;
  maxTokens?: number;
  /** Keeps every request inside the model's window (compacting older turns); without it nothing is counted. */
  context?: ContextPolicy;
  /** The conversation's id (ModelRequest.cacheKey), so the local engine keeps its cache across compactions. */
  cacheKey?: string;
}

const maxPredictionChars = 64 * 1024;

function mergeChanges(into: Map<string, FileChange>, changes: readonly FileChange[]): void {
  for (const change of changes) {
    const seen = into.get(change.path) ?? { path: change.path, added: 0, removed: 0 };
    into.set(change.path, { path: change.path, added: seen.added + change.added, removed: seen.removed + change.removed });
  }
}

async function callTool(call: ToolCall, tools: readonly Tool[], context: ToolContext): Promise<ToolResult> {
  const tool = tools.find((candidate) => candidate.definition.name === call.name);
  if (!tool) return { ok: false, output: `Error: there is no tool named ${call.name}. Tools: ${tools.map((t) => t.definition.name).join(", ")}.` };
  let args: unknown;
  try {
    args = JSON.parse(call.arguments || "{}");
  } catch {
    return { ok: false, output: `Error: the arguments of ${call.name} are not valid JSON. Send them again as a JSON object.` };
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) return { ok: false, output: `Error: the arguments of ${call.name} must be a JSON object.` };
  try {
    return await tool.execute(args as Record<string, unknown>, context);
  } catch (error) {
    // A tool that fails (a file it cannot read, a full disk) is the model's to know about, not the end of the task.
    return { ok: false, output: `Error: ${call.name} failed: ${toSparkError(error).message}` };
  }
}

/**
 * A steer ended the answer at a safe boundary: the answer so far joins the conversation as the server keeps
 * it (none when it said nothing), marked cut short, then the user's input; the stream goes on with the
 * answer to it, a new assistant turn. Clients take no steer once the model called a tool (and Spark's
 * gateway answers such a steer `pending`), so `partial` has calls only from a server that cut after one.
 */
function* steeredAway(messages: Message[], partial: Message & { role: "assistant" }, input: Message[]): Generator<AgentEvent> {
  if (partial.content !== "" || partial.toolCalls?.length) {
    messages.push(partial);
    yield { type: "message", message: partial, interrupted: true };
  }
  for (const message of input) {
    messages.push(message);
    yield { type: "message", message, interrupted: false };
  }
}

/** Fits the request into the window; yields the agent's context events; the fitted conversation, or undefined on abort. */
async function* fitRequest(options: AgentOptions, request: ModelRequest, usage: Usage): AsyncGenerator<AgentEvent, FitResult | undefined> {
  if (!options.context) return { messages: request.messages, summaryUsage: undefined };
  const result = yield* fitContext(options.client, request, options.context, options.signal);
  if (result?.summaryUsage) addUsage(usage, result.summaryUsage);
  return result;
}

/**
 * The turn loop: call the model with the tools, run the tools it calls, feed the results back, until
 * it answers without tool calls. An abort ends it at once; the partial answer is kept, and tool calls
 * of an interrupted turn (a patch still arriving) are never run. A steered call (ModelClient.steer) goes
 * on in the same stream: the partial answer and the user's input join the conversation between its answers.
 */
export async function* runAgent(options: AgentOptions): AsyncGenerator<AgentEvent> {
  const { client, tools, signal } = options;
  const messages = [...options.messages];
  const usage = emptyUsage();
  const changes = new Map<string, FileChange>();
  const outputLimits = toolOutputLimits(options.context);
  const context: ToolContext = { mergeModel: client, ...options.toolContext, maxOutputBytes: outputLimits.maxBytes, ...(signal ? { signal } : {}) };
  const maxTurns = options.maxTurns ?? 50;
  // A model that edits a file it just read repeats much of it: that text is the next call's prediction.
  let prediction: string | undefined;
  const done = (status: AgentStatus, turns: number, error?: string): AgentEvent => ({
    type: "done",
    status,
    turns,
    usage,
    changes: [...changes.values()],
    ...(error ? { error } : {}),
  });

  for (let turn = 1; turn <= maxTurns; turn++) {
    let text = "";
    let reason: FinishReason = "stop";
    let error: string | undefined;
    const calls: ToolCall[] = [];
    const request = {
      messages,
      tools: tools.map((tool) => tool.definition),
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
      ...(prediction && client.supportsPrediction ? { prediction: prediction.slice(0, maxPredictionChars) } : {}),
      ...(options.cacheKey !== undefined ? { cacheKey: options.cacheKey } : {}),
    };
    prediction = undefined;
    let fitted: FitResult | undefined;
    try {
      fitted = yield* fitRequest(options, request, usage);
    } catch (failure) {
      const sparkError = toSparkError(failure);
      yield { type: "error", error: sparkError.toJSON() };
      return yield done("failed", turn, sparkError.message);
    }
    if (!fitted) return yield done("interrupted", turn);
    // Compaction replaced the older turns: the conversation goes on from the compacted one.
    if (fitted.messages !== messages) messages.splice(0, messages.length, ...fitted.messages);
    for await (const event of client.stream(request, signal ? { signal } : {})) {
      if (event.type === "finish") {
        reason = event.reason;
        continue;
      }
      if (event.type === "steered") {
        yield event;
        yield* steeredAway(messages, { role: "assistant", content: text, ...(calls.length ? { toolCalls: calls.splice(0) } : {}) }, event.input);
        text = "";
        continue;
      }
      if (event.type === "text-delta") text += event.text;
      if (event.type === "tool-call") calls.push(event.toolCall);
      if (event.type === "usage") addUsage(usage, event.usage);
      if (event.type === "error") error = event.error.message;
      yield event;
    }
    const interrupted = reason === "abort" || Boolean(signal?.aborted);
    const assistant: Message = { role: "assistant", content: text, ...(calls.length > 0 && !interrupted ? { toolCalls: calls } : {}) };
    messages.push(assistant);
    yield { type: "message", message: assistant, interrupted };
    if (interrupted) return yield done("interrupted", turn);
    if (reason === "error") return yield done("failed", turn, error);
    if (calls.length === 0) return yield done("completed", turn);

    for (const call of calls) {
      // Every call gets an answer, so the conversation stays valid for a later resume.
      const result = signal?.aborted ? { ok: false, output: "Not run: the user interrupted the task." } : await callTool(call, tools, context);
      mergeChanges(changes, result.changes ?? []);
      if (result.predictionHint) prediction = `${prediction ?? ""}${result.predictionHint}\n`;
      yield { type: "tool-result", callId: call.id, name: call.name, ok: result.ok, output: result.output, changes: result.changes ?? [] };
      const toolMessage: Message = { role: "tool", toolCallId: call.id, content: capToolOutput(result.output, outputLimits) };
      messages.push(toolMessage);
      yield { type: "message", message: toolMessage, interrupted: false };
    }
    if (signal?.aborted) return yield done("interrupted", turn);
  }
  yield done("max-turns", maxTurns, `the task was not finished after ${maxTurns} model calls`);
}
