import type { Message, StreamEvent } from "../../core/index.js";
import type { ModelClient } from "../../models/index.js";
import { parseVerdict } from "./parse-verdict.js";
import { ReviewError } from "./review-error.js";
import { reviewerMessages, type ReviewSubject } from "./review-prompt.js";
import { verdictJsonSchema, verdictSchemaName, type ReviewVerdict } from "./verdict-schema.js";

export interface VerdictRequest {
  client: ModelClient;
  subject: ReviewSubject;
  /** Bound strings and lists in the schema: a local model's grammar needs it to always finish. */
  boundedSchema: boolean;
  temperature?: number;
  maxTokens?: number;
  signal?: AbortSignal;
}

type ReviewerSettings = Pick<VerdictRequest, "boundedSchema" | "temperature" | "maxTokens">;

/** The review model's own settings for a verdict request, leaving out what it does not set. */
export function reviewerSettings(model: ReviewerSettings): ReviewerSettings {
  return {
    boundedSchema: model.boundedSchema,
    ...(model.temperature !== undefined ? { temperature: model.temperature } : {}),
    ...(model.maxTokens !== undefined ? { maxTokens: model.maxTokens } : {}),
  };
}

/** Attempts in all: a remote model that ignores the schema gets one more chance, told what was wrong. */
const attempts = 2;

async function* callOnce(request: VerdictRequest, messages: Message[]): AsyncGenerator<StreamEvent, string> {
  const modelRequest = {
    messages,
    jsonSchema: { name: verdictSchemaName, schema: verdictJsonSchema({ bounded: request.boundedSchema }) },
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
  };
  let text = "";
  for await (const event of request.client.stream(modelRequest, request.signal ? { signal: request.signal } : {})) {
    if (event.type === "text-delta") text += event.text;
    if (event.type === "error") throw new ReviewError(`The review model ${request.client.displayName} failed: ${event.error.message}`);
    yield event;
  }
  return text;
}

/**
 * Asks the review model for its verdict under the verdict's JSON schema (structured outputs remotely, a
 * grammar locally), yielding the call's stream events. Returns undefined when interrupted; throws a
 * ReviewError when the model fails or its answer twice does not parse.
 */
export async function* requestVerdict(request: VerdictRequest): AsyncGenerator<StreamEvent, ReviewVerdict | undefined> {
  const messages = reviewerMessages(request.subject);
  let problem = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const answer = yield* callOnce(request, messages);
    if (request.signal?.aborted) return undefined;
    const parsed = parseVerdict(answer);
    if (parsed.ok) return parsed.verdict;
    problem = parsed.problem;
    messages.push({ role: "assistant", content: answer }, { role: "user", content: `That answer ${problem}. Answer again with only the JSON object the schema describes.` });
  }
  throw new ReviewError(
    `The review model ${request.client.displayName} did not return a valid verdict after ${attempts} attempts: its answer ${problem}. Use a model that supports structured outputs (json_schema), or a local GGUF model, which is held to the schema by a grammar.`,
  );
}

/** The verdict alone, each stream event handed to `onEvent` (for accounting) on the way. */
export async function awaitVerdict(request: VerdictRequest, onEvent: (event: StreamEvent) => void = () => {}): Promise<ReviewVerdict | undefined> {
  const verdicts = requestVerdict(request);
  let next = await verdicts.next();
  for (; !next.done; next = await verdicts.next()) onEvent(next.value);
  return next.value;
}
