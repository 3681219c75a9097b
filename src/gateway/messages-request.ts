import type { Message, ModelRequest, ToolCall, ToolDefinition } from "../core/index.js";
import type { MessagesBlock, MessagesRequest } from "./messages-schema.js";
import { badRequest, unsupported } from "./openai-error.js";
import { refuseUnknownFields } from "./request-schemas.js";
import type { Translated } from "./to-model-request.js";

/**
 * Anthropic's Messages API as a ModelRequest, for every backend (local engine, Chat Completions and
 * Responses upstreams). Fields that cannot change what the answer says are accepted and reported in
 * `x-spark-ignored`: Claude Code sends `thinking`, `context_management`, `output_config` and `metadata`
 * on every request, `cache_control` on its blocks. The client's `anthropic-beta` header is never read nor
 * passed on: upstreams get the request Spark builds, with Spark's own headers.
 */

/** Ignored wherever they appear at the top level; nothing in them can change the answer's content. */
export const ignorableMessagesFields: readonly string[] = ["thinking", "metadata", "context_management", "output_config", "service_tier", "top_p", "top_k"];

const knownFields = ["model", "messages", "system", "max_tokens", "stream", "temperature", "stop_sequences", "tools", "tool_choice", ...ignorableMessagesFields];

type Json = Record<string, unknown>;

/** The text of a tool_result's content: a string, or text blocks. */
function resultText(block: MessagesBlock, param: string, backend: string): string {
  const { content } = block;
  if (content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, index) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      throw unsupported(`${param}.content[${index}]`, `A tool_result part of type '${part.type}' cannot be sent to ${backend}; send text only.`);
    })
    .join("\n");
}

/** Tool input as the JSON text ToolCall carries. */
function argumentsOf(input: unknown): string {
  return JSON.stringify(input === undefined || input === null ? {} : input);
}

class Conversation {
  readonly messages: Message[] = [];
  readonly ignored = new Set<string>();

  constructor(private readonly backend: string) {}

  system(text: string): void {
    this.messages.push({ role: "system", content: text });
  }

  /** A user turn: its tool_result blocks become tool messages (first, as their calls came last), its text a user message. */
  user(blocks: MessagesBlock[], param: string): void {
    const texts: string[] = [];
    blocks.forEach((block, index) => {
      const where = `${param}[${index}]`;
      this.noteCacheControl(block);
      if (block.type === "text") texts.push(block.text ?? "");
      else if (block.type === "tool_result") {
        if (!block.tool_use_id) throw badRequest(`${where}.tool_use_id is required: the id of the tool_use block this result answers.`, `${where}.tool_use_id`, "missing_required_parameter");
        const text = resultText(block, where, this.backend);
        this.messages.push({ role: "tool", toolCallId: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text });
      } else throw this.unsupportedBlock(block, where);
    });
    if (texts.length > 0) this.messages.push({ role: "user", content: texts.join("\n") });
  }

  assistant(blocks: MessagesBlock[], param: string): void {
    const texts: string[] = [];
    const toolCalls: ToolCall[] = [];
    blocks.forEach((block, index) => {
      const where = `${param}[${index}]`;
      this.noteCacheControl(block);
      if (block.type === "text") texts.push(block.text ?? "");
      else if (block.type === "tool_use") {
        if (!block.id || !block.name) throw badRequest(`${where} needs an 'id' and a 'name' (a tool_use block).`, where, "missing_required_parameter");
        toolCalls.push({ id: block.id, name: block.name, arguments: argumentsOf(block.input) });
      } else if (block.type === "thinking" || block.type === "redacted_thinking") {
        // A model here cannot read another's signed reasoning; the answer it led to is in the text.
        this.ignored.add("messages.thinking");
      } else throw this.unsupportedBlock(block, where);
    });
    this.messages.push({ role: "assistant", content: texts.join(""), ...(toolCalls.length ? { toolCalls } : {}) });
  }

  noteCacheControl(block: Json): void {
    if (block["cache_control"] !== undefined) this.ignored.add("cache_control");
  }

  private unsupportedBlock(block: MessagesBlock, where: string): Error {
    const what = block.type === "image" || block.type === "document" ? `${block.type}s` : `'${block.type}' blocks`;
    return unsupported(`${where}.type`, `Content blocks of type '${block.type}' are not supported for ${this.backend} (${what} cannot be sent to it); send text, tool_use and tool_result blocks only.`);
  }
}

function toolsOf(body: MessagesRequest, ignored: Set<string>): ToolDefinition[] {
  if (body.tool_choice?.type === "none") return [];
  const tools: ToolDefinition[] = [];
  for (const tool of body.tools ?? []) {
    if (tool.type !== undefined && tool.type !== "custom") {
      // Anthropic's server tools (web search, code execution…) run on Anthropic's servers: no model here calls them.
      ignored.add(`tools.${tool.type}`);
    } else if (tool.defer_loading === true) {
      // Loaded only through Anthropic's tool search, which no backend here has: the model never sees it.
      ignored.add("tools.defer_loading");
    } else {
      if (tool["cache_control"] !== undefined) ignored.add("cache_control");
      tools.push({ name: tool.name, description: tool.description ?? "", parameters: tool.input_schema ?? { type: "object", properties: {} } });
    }
  }
  return tools;
}

/**
 * The request's conversation, tools and limits. `cacheKey` is the client's conversation (Claude Code's
 * `x-claude-code-session-id`), so the local engine keeps each session's prompt warm.
 */
export function messagesToModelRequest(body: MessagesRequest, backend: string, cacheKey: string | undefined): Translated {
  const unknown = refuseUnknownFields(body, knownFields, backend);
  if (unknown) throw unknown;
  const choice = body.tool_choice?.type;
  if (choice === "any" || choice === "tool") {
    throw unsupported("tool_choice", `'tool_choice' {"type": "${choice}"} (a forced tool call) is not supported for ${backend}; use "auto" or "none".`);
  }
  const conversation = new Conversation(backend);
  for (const name of ignorableMessagesFields) if (body[name] !== undefined && body[name] !== null) conversation.ignored.add(name);
  if (typeof body.system === "string") conversation.system(body.system);
  else if (body.system) {
    body.system.forEach((block, index) => {
      conversation.noteCacheControl(block);
      if (block.type !== "text" || typeof block["text"] !== "string") throw unsupported(`system[${index}]`, `'system' blocks must be text blocks for ${backend}.`);
    });
    const text = body.system.map((block) => String(block["text"])).join("\n\n");
    if (text) conversation.system(text);
  }
  body.messages.forEach((message, index) => {
    const param = `messages[${index}].content`;
    const blocks: MessagesBlock[] = typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
    if (message.role === "system") {
      blocks.forEach((block, at) => {
        if (block.type !== "text") throw unsupported(`${param}[${at}]`, `A system message may only carry text blocks for ${backend}.`);
        conversation.noteCacheControl(block);
      });
      conversation.system(blocks.map((block) => block.text ?? "").join("\n"));
    } else if (message.role === "user") conversation.user(blocks, param);
    else conversation.assistant(blocks, param);
  });
  if (!conversation.messages.some((message) => message.role !== "system")) {
    throw badRequest("'messages' must contain at least one user message.", "messages", "missing_required_parameter");
  }
  const tools = toolsOf(body, conversation.ignored);
  const request: ModelRequest = {
    messages: conversation.messages,
    ...(tools.length ? { tools } : {}),
    ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
    ...(body.max_tokens !== undefined ? { maxTokens: body.max_tokens } : {}),
    ...(body.stop_sequences?.length ? { stop: body.stop_sequences.filter((stop) => stop !== "") } : {}),
    ...(cacheKey ? { cacheKey } : {}),
  };
  return { request, ignored: [...conversation.ignored] };
}
