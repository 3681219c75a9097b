/** Where a model name leads once aliases are followed. */
export type ModelTarget =
  | {
      kind: "remote";
      /** Preset or config provider name, "openai", or "custom" for --base-url. */
      provider: string;
      model: string;
      baseUrl: string;
      apiKeyEnv?: string;
      api: "chat" | "responses";
      /** Whether the server accepts `prediction` (OpenAI Predicted Outputs). */
      predictedOutputs?: boolean;
      /** Call the Responses API over its WebSocket (api "responses" only), HTTP/SSE when refused. */
      websocket?: boolean;
    }
  | { kind: "local"; path: string }
  | { kind: "hf"; spec: string; url: string; cachePath: string };

/** Per-call defaults from config, applied under the request's own values. */
export interface CallSettings {
  temperature?: number;
  maxTokens?: number;
  contextSize?: number;
  /** Absolute path of a draft model for speculative decoding (local models only). */
  draftModel?: string;
}

export interface ResolvedModel {
  /** The name as the user gave it (or the configured default). */
  name: string;
  /** Each name followed through aliases, first to last. */
  chain: string[];
  target: ModelTarget;
  settings: CallSettings;
  /** `[models.NAME] upstreams`: the replicas `spark serve` balances; `target` is the first (what a CLI call uses). */
  pool?: PoolMember[];
}

export function describeTarget(target: ModelTarget): string {
  switch (target.kind) {
    case "remote":
      return `${target.provider} ${target.api === "responses" ? "Responses" : "Chat Completions"} API at ${target.baseUrl}, model ${target.model}`;
    case "local":
      return `local engine, ${target.path}`;
    case "hf":
      return `local engine, ${target.spec} (cached at ${target.cachePath})`;
  }
}

/** One replica of a pooled model, resolved: where it is and how much it takes. */
export interface PoolMember {
  /** Stable across gateways and config reorderings: the hash key of consistent hashing. */
  id: string;
  target: ModelTarget;
  weight: number;
  maxConcurrent: number;
}

