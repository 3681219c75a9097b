import type { Message, ModelRequest, ToolCall, ToolDefinition } from "../core/index.js";
import type { GeminiContent, GeminiPart, GeminiRequest } from "./gemini-schema.js";
import { badRequest, unsupported } from "./openai-error.js";
import { refuseUnknownFields } from "./request-schemas.js";
import type { Translated } from "./to-model-request.js";

/**
 * The Gemini API's generateContent body as a ModelRequest, for every backend. Gemini CLI sends sampling
 * and thinking hints (topP, topK, thinkingConfig) and replays each function call with a thoughtSignature:
 * none of them can change what the answer says, so they are accepted and reported in `x-spark-ignored`.
 */

const ignorableFields = ["safetySettings", "labels"];
const knownFields = ["model", "contents", "systemInstruction", "tools", "toolConfig", "generationConfig", ...ignorableFields];
/** The generationConfig fields the translation honours; the others are hints it reports as ignored. */
const honouredConfig = new Set(["temperature", "maxOutputTokens", "stopSequences", "candidateCount", "seed", "responseMimeType", "responseSchema", "responseJsonSchema"]);

type Json = Record<string, unknown>;

/** Gemini's OpenAPI-style schemas name types in capitals (OBJECT, STRING): JSON Schema's are lower case. */
export function lowerCaseTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerCaseTypes);
  if (typeof schema !== "object" || schema === null) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) out[key] = key === "type" && typeof value === "string" ? value.toLowerCase() : lowerCaseTypes(value);
  return out;
}

/** What a functionResponse tells the model: its `output` (or `error`) text, else the whole response as JSON. */
function responseText(response: Json | undefined): string {
  if (typeof response?.["output"] === "string") return response["output"];
  if (typeof response?.["error"] === "string") return `Error: ${response["error"]}`;
  return JSON.stringify(response ?? {});
}

class GeminiConversation {
  readonly messages: Message[] = [];
  readonly ignored = new Set<string>();
  /** Calls made and not yet answered: a functionResponse without an id answers the first of its name. */
  private readonly pending: ToolCall[] = [];
  private generated = 0;

  constructor(private readonly backend: string) {}

  private nextId(): string {
    return `call_${++this.generated}`;
  }

  private note(part: GeminiPart): void {
    if (part.thoughtSignature !== undefined) this.ignored.add("thoughtSignature");
  }

  private refuse(part: GeminiPart, where: string): Error {
    const kind = Object.keys(part).find((key) => key !== "thoughtSignature") ?? "empty";
    return unsupported(where, `Parts of kind '${kind}' are not supported for ${this.backend}; send text, functionCall and functionResponse parts only.`);
  }

  model(content: GeminiContent, param: string): void {
    const texts: string[] = [];
    const toolCalls: ToolCall[] = [];
    content.parts.forEach((part, index) => {
      this.note(part);
      if (part.thought === true) this.ignored.add("thought");
      else if (part.functionCall) {
        const call = { id: part.functionCall.id ?? this.nextId(), name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) };
        toolCalls.push(call);
        this.pending.push(call);
      } else if (part.text !== undefined) texts.push(part.text);
      else if (part.thoughtSignature === undefined) throw this.refuse(part, `${param}.parts[${index}]`);
    });
    this.messages.push({ role: "assistant", content: texts.join(""), ...(toolCalls.length ? { toolCalls } : {}) });
  }

  /** The open call a functionResponse answers: the one of its id, else the first of its name no other response names by id. */
  private answered(response: { id?: string | undefined; name: string }, byId: ReadonlySet<string>): ToolCall | undefined {
    let at = response.id !== undefined ? this.pending.findIndex((call) => call.id === response.id) : -1;
    if (at < 0) at = this.pending.findIndex((call) => call.name === response.name && !byId.has(call.id));
    return at >= 0 ? this.pending.splice(at, 1)[0] : undefined;
  }

  user(content: GeminiContent, param: string): void {
    const texts: string[] = [];
    const byId = new Set(content.parts.flatMap((part) => (part.functionResponse?.id !== undefined ? [part.functionResponse.id] : [])));
    content.parts.forEach((part, index) => {
      this.note(part);
      if (part.functionResponse) {
        const { id, response } = part.functionResponse;
        const call = this.answered(part.functionResponse, byId);
        this.messages.push({ role: "tool", toolCallId: call?.id ?? id ?? this.nextId(), content: responseText(response) });
      } else if (part.thought === true) this.ignored.add("thought");
      else if (part.text !== undefined) texts.push(part.text);
      else throw this.refuse(part, `${param}.parts[${index}]`);
    });
    if (texts.length) this.messages.push({ role: "user", content: texts.join("\n") });
  }
}

function toolsOf(body: GeminiRequest, ignored: Set<string>, backend: string): ToolDefinition[] {
  const mode = body.toolConfig?.functionCallingConfig?.mode?.toUpperCase();
  if (mode === "ANY") throw unsupported("toolConfig.functionCallingConfig.mode", `Function calling mode ANY (a forced call) is not supported for ${backend}; use AUTO or NONE.`);
  const tools: ToolDefinition[] = [];
  for (const tool of body.tools ?? []) {
    for (const key of Object.keys(tool)) if (key !== "functionDeclarations") ignored.add(`tools.${key}`);
    for (const declaration of tool.functionDeclarations ?? []) {
      const schema = declaration.parametersJsonSchema ?? (declaration.parameters ? (lowerCaseTypes(declaration.parameters) as Json) : undefined);
      tools.push({ name: declaration.name, description: declaration.description ?? "", parameters: schema ?? { type: "object", properties: {} } });
    }
  }
  return mode === "NONE" ? [] : tools;
}

function systemText(system: GeminiRequest["systemInstruction"]): string {
  if (system === undefined) return "";
  if (typeof system === "string") return system;
  return system.parts.map((part) => part.text ?? "").join("\n");
}

/** A generateContent body (the model comes from the path) as a ModelRequest. */
export function geminiToModelRequest(body: GeminiRequest, backend: string): Translated {
  const unknown = refuseUnknownFields(body, knownFields, backend);
  if (unknown) throw unknown;
  const conversation = new GeminiConversation(backend);
  const { ignored } = conversation;
  for (const name of ignorableFields) if (body[name] !== undefined) ignored.add(name);
  const config = body.generationConfig ?? {};
  for (const key of Object.keys(config)) if (!honouredConfig.has(key) && config[key] !== undefined && config[key] !== null) ignored.add(`generationConfig.${key}`);
  if ((config.candidateCount ?? 1) !== 1) throw unsupported("generationConfig.candidateCount", `candidateCount ${config.candidateCount} is not supported for ${backend}; ask for 1 candidate.`);
  const system = systemText(body.systemInstruction);
  if (system) conversation.messages.push({ role: "system", content: system });
  body.contents.forEach((content, index) => {
    if (content.role === "model") conversation.model(content, `contents[${index}]`);
    else if (content.role === undefined || content.role === "user" || content.role === "function") conversation.user(content, `contents[${index}]`);
    else throw badRequest(`contents[${index}].role must be "user" or "model", not ${JSON.stringify(content.role)}.`, `contents[${index}].role`, "invalid_value");
  });
  if (!conversation.messages.some((message) => message.role !== "system")) {
    throw badRequest("'contents' must contain at least one part to answer.", "contents", "missing_required_parameter");
  }
  const tools = toolsOf(body, ignored, backend);
  const json = config.responseMimeType === "application/json";
  const schema = config.responseJsonSchema ?? (config.responseSchema ? (lowerCaseTypes(config.responseSchema) as Json) : { type: "object" });
  const stop = (config.stopSequences ?? []).filter((sequence) => sequence !== "");
  const request: ModelRequest = {
    messages: conversation.messages,
    ...(tools.length ? { tools } : {}),
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    ...(config.maxOutputTokens !== undefined ? { maxTokens: config.maxOutputTokens } : {}),
    ...(config.seed !== undefined ? { seed: config.seed } : {}),
    ...(stop.length ? { stop } : {}),
    ...(json ? { jsonSchema: { name: "response", schema } } : {}),
  };
  return { request, ignored: [...ignored] };
}
