import type { Message, ModelRequest, ToolDefinition } from "../core/index.js";
import type { CallSettings } from "../models/index.js";
import { ignorableChatFields, ignorableResponsesFields, presentFields } from "./ignored-fields.js";
import { badRequest, unsupported } from "./openai-error.js";
import { refuseUnknownFields, type ChatRequest, type ResponsesRequest } from "./request-schemas.js";
import { flatToolName, ResponsesTools } from "./responses-tools.js";

/** A request translated for ModelClient, with the fields it carried that the backend ignores. */
export interface Translated {
  request: ModelRequest;
  /** Field names for the `x-spark-ignored` header. */
  ignored: string[];
}

type Part = { type: string; text?: string | undefined };

/** Text of a message's content; only text parts can be sent to these models. */
function textOf(content: string | Part[] | null | undefined, param: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, index) => {
      if ((part.type === "text" || part.type === "input_text" || part.type === "output_text") && typeof part.text === "string") return part.text;
      throw unsupported(`${param}[${index}]`, `Content parts of type '${part.type}' are not supported by this model; send text parts only.`);
    })
    .join("");
}

/** What a request asks for when a value other than the default cannot be honoured. */
function refuseNonDefault(value: unknown, fallback: unknown, param: string, backend: string): void {
  if (value !== undefined && value !== null && value !== fallback) {
    throw unsupported(param, `'${param}' = ${JSON.stringify(value)} is not supported for ${backend}; leave it out (or use ${JSON.stringify(fallback)}).`);
  }
}

const chatFields = [
  "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "temperature", "top_p", "n", "seed", "stop",
  "tools", "tool_choice", "response_format", "prediction", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty",
  "prompt_cache_key", ...ignorableChatFields,
];

export function stopSequences(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === "string" ? [stop] : stop).filter((sequence) => sequence !== "");
}

/** A Chat Completions body as a ModelRequest for the local engine (or an upstream of another API). */
export function chatToModelRequest(body: ChatRequest, backend: string): Translated {
  const unknown = refuseUnknownFields(body, chatFields, backend);
  if (unknown) throw unknown;
  refuseNonDefault(body.n, 1, "n", backend);
  refuseNonDefault(body.logprobs, false, "logprobs", backend);
  refuseNonDefault(body.top_logprobs, 0, "top_logprobs", backend);
  refuseNonDefault(body.top_p, 1, "top_p", backend);
  refuseNonDefault(body.presence_penalty, 0, "presence_penalty", backend);
  refuseNonDefault(body.frequency_penalty, 0, "frequency_penalty", backend);
  if (body.tool_choice !== undefined && body.tool_choice !== null && body.tool_choice !== "auto" && body.tool_choice !== "none") {
    throw unsupported("tool_choice", `'tool_choice' ${JSON.stringify(body.tool_choice)} is not supported for ${backend}; use "auto" or "none".`);
  }
  const messages: Message[] = body.messages.map((message, index): Message => {
    const param = `messages[${index}].content`;
    switch (message.role) {
      case "system":
      case "developer":
        return { role: "system", content: textOf(message.content, param) };
      case "user":
        return { role: "user", content: textOf(message.content, param) };
      case "assistant": {
        const toolCalls = (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
        return { role: "assistant", content: textOf(message.content, param), ...(toolCalls.length ? { toolCalls } : {}) };
      }
      case "tool":
        return { role: "tool", toolCallId: message.tool_call_id, content: textOf(message.content, param) };
    }
  });
  const tools: ToolDefinition[] =
    body.tool_choice === "none"
      ? []
      : (body.tools ?? []).map((tool) => ({
          name: tool.function.name,
          description: tool.function.description ?? "",
          parameters: tool.function.parameters ?? { type: "object", properties: {} },
        }));
  const format = body.response_format;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const stop = stopSequences(body.stop);
  const request: ModelRequest = {
    messages,
    ...(tools.length ? { tools } : {}),
    ...(body.temperature !== undefined && body.temperature !== null ? { temperature: body.temperature } : {}),
    ...(maxTokens !== undefined && maxTokens !== null ? { maxTokens } : {}),
    ...(body.seed !== undefined && body.seed !== null ? { seed: body.seed } : {}),
    ...(stop.length ? { stop } : {}),
    ...(body.prediction ? { prediction: textOf(body.prediction.content, "prediction.content") } : {}),
    ...(body.prompt_cache_key ? { cacheKey: body.prompt_cache_key } : {}),
    ...(format?.type === "json_schema"
      ? { jsonSchema: { name: String(format.json_schema.name), schema: (format.json_schema.schema as Record<string, unknown> | undefined) ?? { type: "object" } } }
      : format?.type === "json_object"
        ? { jsonSchema: { name: "json_object", schema: { type: "object" } } }
        : {}),
  };
  return { request, ignored: presentFields(body, ignorableChatFields) };
}

const responsesFields = [
  "model", "input", "instructions", "stream", "max_output_tokens", "temperature", "top_p", "tools", "tool_choice", "text", "metadata",
  "previous_response_id", "prompt_cache_key", ...ignorableResponsesFields,
];

/**
 * A Responses API body as a ModelRequest. Tool calls and their outputs become messages; tools in a
 * namespace become flat function tools (`tools` names a call back as the client declared it).
 */
export function responsesToModelRequest(body: ResponsesRequest, backend: string): Translated & { tools: ResponsesTools } {
  const unknown = refuseUnknownFields(body, responsesFields, backend);
  if (unknown) throw unknown;
  if (body.previous_response_id) {
    throw unsupported("previous_response_id", `'previous_response_id' is not supported for ${backend}: the caller joins the stored conversation first (stored-responses.ts, socket-create.ts). Send the whole conversation in 'input'.`);
  }
  refuseNonDefault(body.top_p, 1, "top_p", backend);
  if (body.tool_choice !== undefined && body.tool_choice !== null && body.tool_choice !== "auto" && body.tool_choice !== "none") {
    throw unsupported("tool_choice", `'tool_choice' ${JSON.stringify(body.tool_choice)} is not supported for ${backend}; use "auto" or "none".`);
  }
  const ignored = presentFields(body, ignorableResponsesFields);
  // How much the answer may say is the model's own choice here; asking for less cannot make it wrong.
  if (body.text?.["verbosity"] !== undefined && body.text["verbosity"] !== null) ignored.push("text.verbosity");
  const messages: Message[] = body.instructions ? [{ role: "system", content: body.instructions }] : [];
  if (typeof body.input === "string") messages.push({ role: "user", content: body.input });
  else {
    body.input.forEach((item, index) => {
      const param = `input[${index}]`;
      const type = item.type ?? "message";
      if (type === "message" && item.role) {
        const text = textOf(item.content ?? "", `${param}.content`);
        messages.push(item.role === "assistant" ? { role: "assistant", content: text } : { role: item.role === "user" ? "user" : "system", content: text });
      } else if (type === "function_call" && item.call_id && item.name !== undefined) {
        const call = { id: item.call_id, name: flatToolName(item.name, item.namespace), arguments: item.arguments ?? "{}" };
        const last = messages.at(-1);
        if (last?.role === "assistant") last.toolCalls = [...(last.toolCalls ?? []), call];
        else messages.push({ role: "assistant", content: "", toolCalls: [call] });
      } else if (type === "function_call_output" && item.call_id) {
        messages.push({ role: "tool", toolCallId: item.call_id, content: textOf(item.output ?? "", `${param}.output`) });
      } else if (type === "reasoning") {
        // A reasoning item from an earlier turn (Codex sends them back, encrypted): no model here can read it.
        ignored.push("input.reasoning");
      } else {
        throw badRequest(`${param} is not a message (role + content), a function_call or a function_call_output item; other item types are not supported for ${backend}.`, param, "unsupported_value");
      }
    });
  }
  const declared = new ResponsesTools(body.tool_choice === "none" ? [] : (body.tools ?? []), backend);
  const tools = declared.definitions;
  ignored.push(...declared.ignored);
  const format = body.text?.format;
  const request: ModelRequest = {
    messages,
    ...(tools.length ? { tools } : {}),
    ...(body.temperature !== undefined && body.temperature !== null ? { temperature: body.temperature } : {}),
    ...(body.max_output_tokens !== undefined && body.max_output_tokens !== null ? { maxTokens: body.max_output_tokens } : {}),
    ...(body.prompt_cache_key ? { cacheKey: body.prompt_cache_key } : {}),
    ...(format?.type === "json_schema"
      ? { jsonSchema: { name: String(format.name), schema: format.schema as Record<string, unknown> } }
      : format?.type === "json_object"
        ? { jsonSchema: { name: "json_object", schema: { type: "object" } } }
        : {}),
  };
  return { request, ignored, tools: declared };
}

/** A rough prompt size for the token reservation (about 4 characters a token, plus per-message overhead). */
export function estimatePromptTokens(request: Pick<ModelRequest, "messages" | "tools">): number {
  let chars = 0;
  for (const message of request.messages) {
    chars += message.content.length + 16;
    if (message.role === "assistant") for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  for (const tool of request.tools ?? []) chars += tool.name.length + tool.description.length + JSON.stringify(tool.parameters).length;
  return Math.ceil(chars / 4);
}

/** The model's configured defaults under the request's own values, and the max tokens the charge assumed. */
export function withDefaults(request: ModelRequest, settings: CallSettings, maxTokens: number): ModelRequest {
  const temperature = request.temperature ?? settings.temperature;
  return { ...request, maxTokens, ...(temperature !== undefined ? { temperature } : {}) };
}
