export { createModelClient, type ClientDependencies } from "./create-model-client.js";
export { downloadModel, type DownloadProgress } from "./download-model.js";
export type { ModelClient } from "./model-client.js";
export { modelStatus, type ModelStatus } from "./model-status.js";
export { describeTarget, type CallSettings, type ModelTarget, type ResolvedModel } from "./model-target.js";
export { looksLikeOpenAIModel, providerPresets, type ProviderPreset } from "./provider-presets.js";
export { defaultOpenAIModel, gettingStarted, resolveModel, type ResolveContext } from "./resolve-model.js";
export { createLocalEngine } from "./create-local-engine.js";
