import { ProviderError } from "../core/index.js";
import { downloadModel, type DownloadProgress } from "./download-model.js";
import { keyIsOptional } from "./key-optional.js";
import type { ModelClient } from "./model-client.js";
import type { ModelTarget, ResolvedModel } from "./model-target.js";
import type { LocalEngine } from "./local-engine-handle.js";

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

async function remoteClient(resolved: ResolvedModel, target: Extract<ModelTarget, { kind: "remote" }>, deps: ClientDependencies): Promise<ModelClient> {
  const key = target.apiKeyEnv ? deps.env[target.apiKeyEnv] : undefined;
  if (target.apiKeyEnv && !key && !keyIsOptional(target.baseUrl)) {
    throw new ProviderError(
      "provider_auth",
      `${target.apiKeyEnv} is not set, and ${resolved.name} (${target.provider}) needs it. Export it (export ${target.apiKeyEnv}=...) or pick another model; \`spark models\` shows which are usable.`,
      { status: 401 },
    );
  }
  const displayName = target.provider === "openai" || target.provider === "custom" ? target.model : `${target.provider}/${target.model}`;
  const { openAIClient } = await import("./providers/openai/index.js");
  return openAIClient(target, deps, displayName);
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
