/** Built-in OpenAI-compatible servers reachable as `PROVIDER/MODEL`. */
export interface ProviderPreset {
  baseUrl: string;
  /** The environment variable holding the key; undefined for servers that run without one. */
  apiKeyEnv?: string;
  api: "chat" | "responses";
  predictedOutputs?: boolean;
  /** The server speaks the Responses WebSocket (with api "responses"). */
  websocket?: boolean;
}

export const providerPresets: Readonly<Record<string, ProviderPreset>> = {
  openai: { baseUrl: "https://api.openai.com/v1", apiKeyEnv: "OPENAI_API_KEY", api: "responses" },
  cerebras: { baseUrl: "https://api.cerebras.ai/v1", apiKeyEnv: "CEREBRAS_API_KEY", api: "chat" },
  groq: { baseUrl: "https://api.groq.com/openai/v1", apiKeyEnv: "GROQ_API_KEY", api: "chat" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", apiKeyEnv: "OPENROUTER_API_KEY", api: "chat" },
  ollama: { baseUrl: "http://127.0.0.1:11434/v1", api: "chat" },
  llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", api: "chat" },
  vllm: { baseUrl: "http://127.0.0.1:8000/v1", apiKeyEnv: "VLLM_API_KEY", api: "chat" },
};

/** Names that go to OpenAI without a provider prefix. */
export function looksLikeOpenAIModel(name: string): boolean {
  return /^(gpt-|o\d|chatgpt-|codex-|ft:gpt-|computer-use-)/.test(name);
}
