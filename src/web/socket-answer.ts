import type { ChatMessage, ChatStreamEvent } from "./chat-stream.js";
import { GatewayRequestError } from "./gateway-client.js";
import { quotaFromHeaders } from "./quota.js";
import { SOCKET_CLOSED, STEERED, type SocketEvent } from "./responses-socket.js";

interface ResponseBody {
  id?: string;
  output?: { type?: string; content?: { type?: string; text?: string }[] }[];
  usage?: { input_tokens?: number; output_tokens?: number } | null;
  incomplete_details?: { reason?: string } | null;
  error?: { message?: string } | null;
}

/** The text of a response's message items, as the server keeps it for `previous_response_id`. */
function outputText(response: ResponseBody | undefined): string {
  return (response?.output ?? [])
    .filter((item) => item.type === "message")
    .flatMap((item) => item.content ?? [])
    .map((part) => part.text ?? "")
    .join("");
}

/** A `spark.rate_limits` event's headers (strings with header-like names only) as the quota line reads them. */
function quotaOf(headers: unknown): ChatStreamEvent[] {
  if (typeof headers !== "object" || headers === null) return [];
  const entries = Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === "string" && /^[a-z0-9-]{1,64}$/.test(entry[0]));
  const quota = quotaFromHeaders(new Headers(entries));
  return quota ? [{ type: "quota", quota }] : [];
}

/**
 * Reads one turn's Responses events (through the successors of steers) into the page's chat events,
 * and notes what the server now holds: the steered parts and redirects, the answer, and whether each
 * matches the text the page shows (only then may the next turn continue with `previous_response_id`).
 */
export class SocketAnswer {
  text = "";
  responseId: string | undefined;
  /** Messages steers added before the answer now read: each steered part (when not empty) and its redirect. */
  readonly steps: ChatMessage[] = [];
  /** Set when the server no longer holds the response the turn continued. */
  chainLost = false;
  /** The socket closed before the response began: the turn can go over HTTP instead. */
  closedBeforeStart = false;
  /** The server refused the response before it began (a bad key, the bucket, an unknown model). */
  refused: GatewayRequestError | undefined;
  reason: string | undefined;
  /** Whether the server's copy of every answer equals the page's. */
  matches = true;
  private started = false;

  /** `steerText` hands over the redirect of the steer the server accepted. */
  constructor(private readonly steerText: () => string | undefined) {}

  read(event: SocketEvent): ChatStreamEvent[] {
    const response = event["response"] as ResponseBody | undefined;
    switch (event.type) {
      case "spark.rate_limits":
        return quotaOf(event["headers"]);
      case "response.created":
        this.started = true;
        this.responseId = response?.id;
        return [];
      case "response.output_text.delta": {
        const delta = typeof event["delta"] === "string" ? event["delta"] : "";
        this.text += delta;
        return delta === "" ? [] : [{ type: "text-delta", text: delta, deltas: 1 }];
      }
      case STEERED:
        return this.steered(response);
      case "response.completed":
      case "response.incomplete":
        return this.ended(response, event.type === "response.completed" ? "stop" : response?.incomplete_details?.reason === "max_output_tokens" ? "length" : "abort");
      case "response.failed":
        return this.failed(response?.error?.message ?? "the response failed");
      case "error":
        return this.error(event);
      case SOCKET_CLOSED:
        return this.closed();
      default:
        return [];
    }
  }

  /** A drop ends a started answer as stopped (its part kept); before the start, the turn may go over HTTP. */
  private closed(): ChatStreamEvent[] {
    if (!this.started) {
      this.closedBeforeStart = true;
      return [];
    }
    this.reason = "abort";
    return [{ type: "error", message: "the connection to the gateway dropped mid-answer; the partial answer is kept" }, { type: "finish", reason: "abort" }];
  }

  private steered(response: ResponseBody | undefined): ChatStreamEvent[] {
    const redirect = this.steerText();
    // Only a steer this page sent ends an answer so; anything else from the server is not a redirect.
    if (redirect === undefined) return this.failed("the gateway ended the answer for a redirect this page did not send");
    this.matches &&= outputText(response) === this.text;
    if (this.text !== "") this.steps.push({ role: "assistant", content: this.text });
    this.steps.push({ role: "user", content: redirect });
    this.text = "";
    return [{ type: "steered", text: redirect }];
  }

  private ended(response: ResponseBody | undefined, reason: string): ChatStreamEvent[] {
    this.responseId = response?.id ?? this.responseId;
    this.matches &&= outputText(response) === this.text;
    this.reason = reason;
    const usage = response?.usage;
    return [...(usage ? [{ type: "usage" as const, promptTokens: usage.input_tokens ?? 0, completionTokens: usage.output_tokens ?? 0 }] : []), { type: "finish", reason }];
  }

  private failed(message: string): ChatStreamEvent[] {
    this.reason = "error";
    return [{ type: "error", message }, { type: "finish", reason: "error" }];
  }

  private error(event: SocketEvent): ChatStreamEvent[] {
    const error = (event["error"] ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof error.code === "string" ? error.code : "socket_error";
    const message = typeof error.message === "string" ? error.message : "the gateway refused the response";
    if (code === "previous_response_not_found") {
      this.chainLost = true;
      return [];
    }
    if (!this.started) {
      this.refused = new GatewayRequestError(typeof event["status"] === "number" ? event["status"] : 400, code, message);
      return [];
    }
    return this.failed(message);
  }
}
