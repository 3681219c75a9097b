import type { Message, StreamEvent, Usage } from "../core/index.js";
import type { ContextEvent } from "./context/index.js";
import type { FileChange } from "./tools/index.js";

export type AgentStatus = "completed" | "failed" | "interrupted" | "max-turns";

/**
 * What a running agent reports, in order: the model's stream events (all but `finish`), each message
 * as it joins the conversation, each tool result, and one final `done`. Before each model call, how full
 * the context window is (`context`) and, when older turns had to be summarised, the compacted
 * conversation that replaces the one so far (`compacted`).
 */
export type AgentEvent =
  | ContextEvent
  | Exclude<StreamEvent, { type: "finish" }>
  | { type: "message"; message: Message; interrupted: boolean }
  | { type: "tool-result"; callId: string; name: string; ok: boolean; output: string; changes: FileChange[] }
  | { type: "done"; status: AgentStatus; turns: number; usage: Usage; changes: FileChange[]; error?: string };
