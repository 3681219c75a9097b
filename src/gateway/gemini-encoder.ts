import type { FinishReason, SparkError, ToolCall, Usage } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import { toGatewayError } from "./openai-error.js";
import type { GenerationSummary, StreamEncoder } from "./stream-encoder.js";
import { geminiErrorBody } from "./vendor-error.js";
import { newId } from "./wire-format.js";

type Json = Record<string, unknown>;

const finishReasons: Record<FinishReason, string> = { stop: "STOP", length: "MAX_TOKENS", "tool-calls": "STOP", abort: "STOP", error: "OTHER" };

function argsOf(call: ToolCall): Json {
  try {
    const parsed: unknown = JSON.parse(call.arguments || "{}");
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Json) : {};
  } catch {
    return {};
  }
}

function usageMetadata(usage: Usage): Json {
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
    ...(usage.cachedInputTokens > 0 ? { cachedContentTokenCount: usage.cachedInputTokens } : {}),
  };
}

/** A function call as Gemini sends it, with the call's id (Gemini CLI matches its functionResponse by it). */
function functionCallPart(call: ToolCall): Json {
  return { functionCall: { id: call.id, name: call.name, args: argsOf(call) } };
}

/**
 * The Gemini API's answers: while streaming (`alt=sse`), one `data:` frame of GenerateContentResponse
 * per piece (text, thought, function call), then a frame with the finish reason and usage; or the whole
 * GenerateContentResponse. Gemini streams have no event names and no end marker.
 */
export class GeminiEncoder implements StreamEncoder {
  private readonly responseId = newId("");

  constructor(private readonly model: string) {}

  private frame(parts: Json[] | undefined, extra: Json = {}): WireEvent {
    const candidate = { ...(parts ? { content: { role: "model", parts } } : {}), index: 0, ...extra };
    return { data: { candidates: [candidate], modelVersion: this.model, responseId: this.responseId } };
  }

  start(): WireEvent[] {
    return [];
  }

  text(text: string): WireEvent[] {
    return [this.frame([{ text }])];
  }

  reasoning(text: string): WireEvent[] {
    return [this.frame([{ text, thought: true }])];
  }

  toolCall(call: ToolCall): WireEvent[] {
    return [this.frame([functionCallPart(call)])];
  }

  end(summary: GenerationSummary): WireEvent[] {
    const last = this.frame(undefined, { finishReason: finishReasons[summary.reason] });
    return [{ data: { ...(last.data as Json), usageMetadata: usageMetadata(summary.usage) } }];
  }

  error(error: SparkError): WireEvent[] {
    return [{ data: geminiErrorBody(toGatewayError(error)) }];
  }

  body(summary: GenerationSummary): Json {
    const parts: Json[] = [];
    if (summary.reasoning) parts.push({ text: summary.reasoning, thought: true });
    if (summary.text) parts.push({ text: summary.text });
    parts.push(...summary.toolCalls.map(functionCallPart));
    const frame = this.frame(parts, { finishReason: finishReasons[summary.reason] });
    return { ...(frame.data as Json), usageMetadata: usageMetadata(summary.usage) };
  }
}
