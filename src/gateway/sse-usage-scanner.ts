import { StringDecoder } from "node:string_decoder";
import { emptyUsage, type FinishReason, type Usage } from "../core/index.js";

/** Usage as OpenAI-compatible servers report it (Chat/Completions `usage`, or a Response's `usage`). */
export function usageFromJson(value: unknown): Usage | undefined {
  const record = value as { usage?: Record<string, unknown> | null; response?: { usage?: Record<string, unknown> | null } } | null;
  const usage = record?.usage ?? record?.response?.usage;
  if (!usage || typeof usage !== "object") return undefined;
  const number = (key: string) => (typeof usage[key] === "number" ? (usage[key] as number) : 0);
  const details = (usage.prompt_tokens_details ?? usage.input_tokens_details) as { cached_tokens?: number } | undefined;
  const completion = usage.completion_tokens_details as { accepted_prediction_tokens?: number; rejected_prediction_tokens?: number } | undefined;
  return {
    ...emptyUsage(),
    inputTokens: number("prompt_tokens") || number("input_tokens"),
    outputTokens: number("completion_tokens") || number("output_tokens"),
    cachedInputTokens: details?.cached_tokens ?? 0,
    acceptedPredictionTokens: completion?.accepted_prediction_tokens ?? 0,
    rejectedPredictionTokens: completion?.rejected_prediction_tokens ?? 0,
  };
}

/** A frame carrying generated text: a non-empty content, arguments, text or delta string. */
const contentPattern = /"(?:content|arguments|text|delta)":"(?!")/;
/** The generated strings of a frame, to estimate its tokens. */
const generatedStrings = /"(?:content|arguments|text|delta)":"((?:[^"\\]|\\.)*)"/g;
/** A Responses API event other than a delta (`.done`, `output_item.added`…): it repeats text already counted. */
const responsesSummary = /"type":"response\.[a-z_.]*(?<!\.delta)"/;
/** `"response":{..."id":"resp_..."`: the response object of a Responses event, its id before any nested object. */
const responseIdPattern = /"response":\{[^{}]*?"id":"([^"\\]{1,256})"/;
/**
 * Where a frame ends: a line end, then an empty line (SSE's line ends are \r\n, \n and \r, mixed as
 * they come; looking for "\n\n" and "\r\n\r\n" only, a stream with \r line ends was one frame,
 * held whole until its end and never stripped of its usage).
 */
const FRAME_END = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r)/g;
const finishPattern = /"finish_reason":"(length|tool_calls|function_call)"|"type":"response\.incomplete"/;

/**
 * Watches an upstream SSE stream on its way through: finds the usage frame, counts frames with generated
 * text (the output estimate when the stream is cut before usage), and notes the finish reason. Only the
 * frames that mention usage are parsed as JSON. Without `stripUsage` or an output limit the caller
 * forwards the upstream's bytes untouched; with either, complete frames are returned (the same bytes, cut
 * at frame ends), less the usage-only frame when stripping, and nothing after the frame that passed the
 * limit (`overLimit` is then set), so the caller can cut the stream exactly there.
 */
export class SseUsageScanner {
  usage: Usage | undefined;
  contentFrames = 0;
  /**
   * Output tokens seen so far, estimated before the usage frame arrives: at least one per frame with
   * generated text, about four characters a token for longer ones (so one huge frame counts as many).
   */
  outputEstimate = 0;
  finishReason: FinishReason = "stop";
  /** The id of a Responses API stream's response (from its first event that carries the response). */
  responseId: string | undefined;
  /** The output estimate passed the limit before any usage was reported: nothing more is returned. */
  overLimit = false;
  private readonly decoder = new StringDecoder("utf8");
  private pending = "";
  private readonly frameAligned: boolean;

  constructor(
    private readonly stripUsage: boolean,
    private readonly outputLimit?: number,
  ) {
    this.frameAligned = stripUsage || outputLimit !== undefined;
  }

  /** Takes the next chunk; returns what to send on now. */
  push(chunk: Buffer): Buffer | string {
    if (this.overLimit) return "";
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    let out = "";
    for (;;) {
      FRAME_END.lastIndex = start;
      const match = FRAME_END.exec(text);
      // A blank line that ends in the chunk's last "\r" may yet be "\r\n": its frame ends with the next chunk.
      if (!match || (match.index + match[0].length === text.length && text.endsWith("\r"))) break;
      const end = match.index;
      const next = end + match[0].length;
      const frame = text.slice(start, end);
      if (this.inspect(frame) || !this.stripUsage) out += text.slice(start, next);
      start = next;
      if (this.outputLimit !== undefined && this.usage === undefined && this.outputEstimate > this.outputLimit) {
        this.overLimit = true;
        this.pending = "";
        return out;
      }
    }
    this.pending = text.slice(start);
    return this.frameAligned ? out : chunk;
  }

  /** Part of a frame was passed on untouched (not frame-aligned) and its end never came. */
  get forwardedPartialFrame(): boolean {
    return !this.frameAligned && this.pending !== "";
  }

  /** What is left at the end of the stream (an unterminated last frame). */
  flush(): string {
    if (this.overLimit) return "";
    const rest = this.pending + this.decoder.end();
    this.pending = "";
    // The last frame may be the usage frame, held for its final "\r": dropped when stripping, as any other.
    const keep = rest.trim() === "" || this.inspect(rest) || !this.stripUsage;
    return this.frameAligned && keep ? rest : "";
  }

  /** Reads one frame; false when it is the usage-only frame (to drop when stripping). */
  private inspect(frame: string): boolean {
    if (contentPattern.test(frame)) {
      this.contentFrames++;
      if (!responsesSummary.test(frame)) {
        let characters = 0;
        for (const match of frame.matchAll(generatedStrings)) characters += match[1]?.length ?? 0;
        this.outputEstimate += Math.max(1, Math.ceil(characters / 4));
      }
    }
    if (this.responseId === undefined) this.responseId = responseIdPattern.exec(frame)?.[1];
    const finish = finishPattern.exec(frame);
    if (finish) this.finishReason = finish[1] === undefined ? "length" : finish[1] === "length" ? "length" : "tool-calls";
    if (!frame.includes('"usage":{')) return true;
    const data = frame
      .split(/\r\n|\n|\r/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trimStart())
      .join("\n");
    try {
      const parsed = JSON.parse(data) as { choices?: unknown[] };
      const usage = usageFromJson(parsed);
      if (usage) this.usage = usage;
      return !(usage && Array.isArray(parsed.choices) && parsed.choices.length === 0);
    } catch {
      return true;
    }
  }
}
