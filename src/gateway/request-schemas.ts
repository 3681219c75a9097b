import { z } from "zod";
import { badRequest, type GatewayError } from "./openai-error.js";

/**
 * The request bodies the gateway accepts, checked with zod. Objects are loose: a field the gateway does
 * not know is kept (an upstream may understand it) and judged later by the route that handles it.
 */

const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const content = z.union([z.string(), z.array(contentPart)]);
const toolCall = z.looseObject({
  id: z.string(),
  type: z.literal("function").optional(),
  function: z.looseObject({ name: z.string(), arguments: z.string() }),
});
const nonNegativeInt = z.number().int().min(0);
const positiveInt = z.number().int().positive();
const temperature = z.number().min(0).max(2);

export const chatMessageSchema = z.discriminatedUnion("role", [
  z.looseObject({ role: z.literal("system"), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("developer"), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("user"), content, name: z.string().optional() }),
  z.looseObject({ role: z.literal("assistant"), content: content.nullish(), tool_calls: z.array(toolCall).optional(), name: z.string().optional() }),
  z.looseObject({ role: z.literal("tool"), content, tool_call_id: z.string() }),
]);

/**
 * OpenAI's rule for tool (and namespace) names. Checked here for every backend: a name with a NUL or a
 * newline would otherwise reach the local engine's grammar, or an upstream that refuses it less clearly.
 */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

type RefineContext = z.core.$RefinementCtx<unknown>;

function checkToolName(name: string, context: RefineContext, path: PropertyKey[]): void {
  if (TOOL_NAME.test(name)) return;
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  context.addIssue({ code: "custom", path, input: name, message: `the tool name ${shown} is not valid: use 1 to 64 letters, digits, '_' or '-' (OpenAI's rule), and rename the tool` });
}

const toolName = z.string().superRefine((name, context) => checkToolName(name, context, []));

/** Responses tools with a name: function and custom tools, and the namespaces that group them. */
function checkNamedTool(tool: { type: string; name?: string | undefined }, context: RefineContext): void {
  if (tool.name !== undefined && ["function", "custom", "namespace"].includes(tool.type)) checkToolName(tool.name, context, ["name"]);
}

const functionTool = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({ name: toolName, description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() }),
});

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();

/** OpenAI's prompt_cache_key: which conversation a request continues (the local engine keeps its sequence). */
const promptCacheKey = z.string().max(1024).nullish();

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: temperature.nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: positiveInt.nullish(),
  seed: z.number().int().nullish(),
  stop,
  tools: z.array(functionTool).nullish(),
  tool_choice: z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.string() })]).nullish(),
  response_format: z
    .union([
      z.looseObject({ type: z.literal("text") }),
      z.looseObject({ type: z.literal("json_object") }),
      z.looseObject({ type: z.literal("json_schema"), json_schema: z.looseObject({ name: z.string().min(1), schema: z.record(z.string(), z.unknown()).optional() }) }),
    ])
    .nullish(),
  prediction: z.looseObject({ type: z.literal("content"), content }).nullish(),
  prompt_cache_key: promptCacheKey,
  logprobs: z.boolean().nullish(),
  top_logprobs: nonNegativeInt.nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

const responsesInputItem = z.looseObject({
  type: z.string().optional(),
  role: z.enum(["system", "developer", "user", "assistant"]).optional(),
  content: content.optional(),
  call_id: z.string().optional(),
  name: z.string().optional(),
  /** The namespace group of the tool a function_call item called (as OpenAI returns it). */
  namespace: z.string().optional(),
  arguments: z.string().optional(),
  output: z.union([z.string(), z.array(contentPart)]).optional(),
});

/** A tool of the Responses API; a `namespace` tool carries function and custom tools of its own. */
const namespacedTool = z.looseObject({ type: z.string(), name: z.string().optional() }).superRefine(checkNamedTool);
const responsesTool = z
  .looseObject({ type: z.string(), name: z.string().optional(), description: z.string().nullish(), parameters: z.record(z.string(), z.unknown()).nullish(), tools: z.array(namespacedTool).optional() })
  .superRefine(checkNamedTool);

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(responsesInputItem).min(1)]),
  instructions: z.string().nullish(),
  stream: z.boolean().nullish(),
  prompt_cache_key: promptCacheKey,
  max_output_tokens: positiveInt.nullish(),
  temperature: temperature.nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(responsesTool).nullish(),
  tool_choice: z.union([z.enum(["auto", "none", "required"]), z.looseObject({ type: z.string() })]).nullish(),
  text: z
    .looseObject({
      format: z
        .union([
          z.looseObject({ type: z.literal("text") }),
          z.looseObject({ type: z.literal("json_object") }),
          z.looseObject({ type: z.literal("json_schema"), name: z.string().min(1), schema: z.record(z.string(), z.unknown()) }),
        ])
        .optional(),
    })
    .nullish(),
  previous_response_id: z.string().nullish(),
  store: z.boolean().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
});
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** The body of a `response.create` over the Responses WebSocket: a continuation may add no input at all. */
export const responsesCreateSchema = responsesRequestSchema.extend({ input: z.union([z.string(), z.array(responsesInputItem)]) });

export const completionsRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  suffix: z.string().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt.nullish(),
  temperature: temperature.nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: positiveInt.nullish(),
  best_of: positiveInt.nullish(),
  echo: z.boolean().nullish(),
  logprobs: nonNegativeInt.nullish(),
  seed: z.number().int().nullish(),
  stop,
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  user: z.string().nullish(),
});
export type CompletionsRequest = z.infer<typeof completionsRequestSchema>;

/** `messages[0].content` from a zod path. */
function paramOf(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`)).join("");
}

function kindOf(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function describe(issue: z.core.$ZodIssue, param: string | null): string {
  const where = param ? `'${param}'` : "The request body";
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return `${where} is required (${issue.expected}).`;
      return `${where} has the wrong type: expected ${issue.expected}, got ${kindOf(issue.input)}.`;
    case "invalid_union": {
      const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter((inner) => inner.code === "invalid_type" && inner.path.length === 0).map((inner) => (inner as { expected: string }).expected)))];
      if (expected.length > 0 && issue.input !== undefined) return `${where} has the wrong type: expected ${expected.join(" or ")}, got ${kindOf(issue.input)}.`;
      return `${where} has an unexpected shape; see the OpenAI API reference for this field.`;
    }
    case "invalid_value":
      return `${where} must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}.`;
    case "too_small":
      return `${where} is too small: ${issue.message.replace(/^Too small: /, "")}.`;
    case "too_big":
      return `${where} is too large: ${issue.message.replace(/^Too big: /, "")}.`;
    default:
      return `${where}: ${issue.message}.`;
  }
}

/** Parses a body with a schema; the first problem becomes a 400 that names the field and what to fix. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest("The request body must be a JSON object, with Content-Type: application/json.", null, "invalid_body");
  }
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw badRequest("The request body is invalid.");
  const param = paramOf(issue.path);
  throw badRequest(describe(issue, param), param, issue.code === "invalid_type" && issue.input === undefined ? "missing_required_parameter" : "invalid_type");
}

/** Fields the re-encoding routes accept (and may ignore); any other field is refused as unsupported. */
export function refuseUnknownFields(body: Record<string, unknown>, known: readonly string[], backend: string): GatewayError | undefined {
  const unknown = Object.keys(body).find((key) => !known.includes(key) && body[key] !== undefined && body[key] !== null);
  if (unknown === undefined) return undefined;
  return badRequest(`'${unknown}' is not supported for ${backend}. Remove it from the request.`, unknown, "unsupported_parameter");
}
