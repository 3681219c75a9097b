export { startLanguageServer, type LanguageServerOptions } from "./language-server.js";
export { ModelSet, type LspModel } from "./lsp-model.js";
export { defaultLspSettings, type LspSettings } from "./lsp-settings.js";
export { commands, metricsNotification, type ClientSettings, type EditSelectionArguments, type ModelInfo, type ModelRole, type SparkMetrics } from "./lsp-protocol.js";
