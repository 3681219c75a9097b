import OpenAI from "openai";
import { ProviderError } from "../core/index.js";
import { downloadModel, type DownloadProgress } from "./download-model.js";
import { keyIsOptional } from "./key-optional.js";
import type { ModelClient } from "./model-client.js";
import type { ModelTarget, ResolvedModel } from "./model-target.js";
import type { LocalEngine } from "./local-engine-handle.js";
import { OpenAIChatClient } from "./providers/openai/openai-chat-client.js";
import { OpenAIResponsesClient } from "./providers/openai/openai-responses-client.js";
import { ResponsesSocket } from "./providers/openai/responses-socket.js";

export interface ClientDependencies {
  env: NodeJS.ProcessEnv;
  /** Creates (or returns) the process's local engine; only called for local models. */
  localEngine: () => Promise<LocalEngine>;
  maxRetries?: number;
  /** False turns off prompt-lookup and draft-model speculation in the local engine. */
  speculation?: boolean;
  timeoutMs?: number;
  onDownloadProgress?: (file: string, progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** The SDK client for a remote target (its key, retries and timeout) and the context its errors name. */
function openAIConnection(target: Extract<ModelTarget, { kind: "remote" }>, deps: ClientDependencies) {
  const key = target.apiKeyEnv ? deps.env[target.apiKeyEnv] : undefined;
  const openai = new OpenAI({
    // Servers that need no key still get a placeholder: the SDK refuses to run without one.
    apiKey: key || "no-key",
    baseURL: target.baseUrl,
    maxRetries: deps.maxRetries ?? 2,
    timeout: deps.timeoutMs ?? 600_000,
  });
  const context = { baseUrl: target.baseUrl, model: target.model, provider: target.provider, ...(target.apiKeyEnv ? { apiKeyEnv: target.apiKeyEnv } : {}) };
  return { openai, context };
}

function remoteClient(resolved: ResolvedModel, target: Extract<ModelTarget, { kind: "remote" }>, deps: ClientDependencies): ModelClient {
  const key = target.apiKeyEnv ? deps.env[target.apiKeyEnv] : undefined;
  if (target.apiKeyEnv && !key && !keyIsOptional(target.baseUrl)) {
    throw new ProviderError(
      "provider_auth",
      `${target.apiKeyEnv} is not set, and ${resolved.name} (${target.provider}) needs it. Export it (export ${target.apiKeyEnv}=...) or pick another model; \`spark models\` shows which are usable.`,
      { status: 401 },
    );
  }
  const { openai, context } = openAIConnection(target, deps);
  const displayName = target.provider === "openai" || target.provider === "custom" ? target.model : `${target.provider}/${target.model}`;
  // Predicted Outputs exist on Chat Completions only.
  if (target.api === "chat") return new OpenAIChatClient(openai, context, displayName, target.predictedOutputs ?? false);
  // The socket goes to the same server as HTTP, with the same key: it never takes a credential elsewhere.
  const socket = target.websocket ? new ResponsesSocket({ baseUrl: target.baseUrl, apiKey: key || undefined }) : undefined;
  return new OpenAIResponsesClient(openai, context, displayName, socket);
}

async function localClient(path: string, displayName: string, resolved: ResolvedModel, deps: ClientDependencies): Promise<ModelClient> {
  const { LocalModelClient, LocalEngine: Engine } = await import("./providers/local/index.js");
  const { contextSize, draftModel } = resolved.settings;
  return new LocalModelClient(Engine.of(await deps.localEngine()), path, displayName, {
    ...(contextSize !== undefined ? { contextSize } : {}),
    ...(draftModel ? { draftModelPath: draftModel } : {}),
    ...(deps.speculation === false ? { speculation: false } : {}),
  });
}

/** Builds the client for a resolved model; downloads an `hf:` model into the cache first. */
export async function createModelClient(resolved: ResolvedModel, deps: ClientDependencies): Promise<ModelClient> {
  const { target } = resolved;
  switch (target.kind) {
    case "remote":
      return remoteClient(resolved, target, deps);
    case "local":
      return localClient(target.path, resolved.name, resolved, deps);
    case "hf":
      await downloadModel(target.url, target.cachePath, {
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.env.HF_TOKEN ? { token: deps.env.HF_TOKEN } : {}),
        onProgress: (progress) => deps.onDownloadProgress?.(target.spec, progress),
      });
      return localClient(target.cachePath, resolved.name, resolved, deps);
  }
}
