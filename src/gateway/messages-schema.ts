import { z } from "zod";

/**
 * The body of Anthropic's Messages API (`POST /v1/messages`), as Claude Code and the Anthropic SDKs send
 * it. Loose objects: fields the gateway does not know are judged by the translation (messages-request.ts),
 * which ignores those that cannot change the answer and refuses the rest.
 */

/** Anthropic's rule for tool names (longer than OpenAI's 64: MCP tools of Claude Code reach past it). */
const ANTHROPIC_TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const toolName = z.string().regex(ANTHROPIC_TOOL_NAME, "use 1 to 128 letters, digits, '_' or '-' (Anthropic's rule) for a tool's name");

const textBlock = z.looseObject({ type: z.literal("text"), text: z.string() });

/** A content block: text, tool_use, tool_result, thinking, image…; the translation decides what each becomes. */
export const messagesBlockSchema = z.looseObject({
  type: z.string().min(1),
  text: z.string().optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  tool_use_id: z.string().optional(),
  content: z.union([z.string(), z.array(z.looseObject({ type: z.string(), text: z.string().optional() }))]).optional(),
  is_error: z.boolean().optional(),
});
export type MessagesBlock = z.infer<typeof messagesBlockSchema>;

const messageSchema = z.looseObject({
  // `system` inside `messages` is what Claude Code sends for model names that are not Claude's.
  role: z.enum(["user", "assistant", "system"]),
  content: z.union([z.string(), z.array(messagesBlockSchema)]),
});

const toolSchema = z.looseObject({
  /** Absent or "custom" for a client tool; Anthropic's server tools have a dated type (web_search_20250305). */
  type: z.string().optional(),
  name: toolName,
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  defer_loading: z.boolean().optional(),
});

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(messageSchema),
  system: z.union([z.string(), z.array(textBlock.or(z.looseObject({ type: z.string() })))]).optional(),
  max_tokens: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(toolSchema).optional(),
  tool_choice: z.looseObject({ type: z.enum(["auto", "any", "tool", "none"]), name: z.string().optional() }).optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

