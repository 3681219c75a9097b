export type { ConfigFile, ModelEntry, ProfileEntry, ProviderEntry } from "./config-schema.js";
export { configEnvVars } from "./env-layer.js";
export type { ConfigLayer } from "./layers.js";
export type { ReviewSection } from "./review-section.js";
export { loadConfig, sparkHome, type LoadConfigOptions, type LoadedConfig } from "./load-config.js";
export type { ContextSection } from "./context-section.js";
export type { McpSection, McpServerEntry } from "./mcp-section.js";
export type { SandboxLimitsEntry, SandboxSection } from "./sandbox-section.js";
export { looksLikeOpenAIModel, providerPresets, type ProviderPreset } from "./provider-presets.js";
