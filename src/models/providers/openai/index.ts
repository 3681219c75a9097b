import OpenAI from "openai";
import type { ModelClient } from "../../model-client.js";
import type { ModelTarget } from "../../model-target.js";
import { OpenAIChatClient } from "./openai-chat-client.js";
import { OpenAIResponsesClient } from "./openai-responses-client.js";
import { ResponsesSocket } from "./responses-socket.js";

/** What a remote connection takes from the client dependencies (create-model-client.ts). */
export interface RemoteConnection {
  env: NodeJS.ProcessEnv;
  maxRetries?: number;
  timeoutMs?: number;
}

/**
 * The OpenAI-compatible client of a remote target: the SDK (its key, retries and timeout) and the API the
 * target speaks. Imported only when a remote model is opened: the SDK is hundreds of modules.
 */
export function openAIClient(target: Extract<ModelTarget, { kind: "remote" }>, deps: RemoteConnection, displayName: string): ModelClient {
  const key = target.apiKeyEnv ? deps.env[target.apiKeyEnv] : undefined;
  const openai = new OpenAI({
    // Servers that need no key still get a placeholder: the SDK refuses to run without one.
    apiKey: key || "no-key",
    baseURL: target.baseUrl,
    maxRetries: deps.maxRetries ?? 2,
    timeout: deps.timeoutMs ?? 600_000,
  });
  const context = { baseUrl: target.baseUrl, model: target.model, provider: target.provider, ...(target.apiKeyEnv ? { apiKeyEnv: target.apiKeyEnv, keyMissing: !key } : {}) };
  // Predicted Outputs exist on Chat Completions only.
  if (target.api === "chat") return new OpenAIChatClient(openai, context, displayName, target.predictedOutputs ?? false);
  // The socket goes to the same server as HTTP, with the same key: it never takes a credential elsewhere.
  const socket = target.websocket ? new ResponsesSocket({ baseUrl: target.baseUrl, apiKey: key || undefined }) : undefined;
  return new OpenAIResponsesClient(openai, context, displayName, socket);
}
