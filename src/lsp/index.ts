export { startLanguageServer, type LanguageServerOptions } from "./language-server.js";
export { ModelSet, type LspModel } from "./lsp-model.js";
export { defaultLspSettings, type LspSettings } from "./lsp-settings.js";
export {
  commands,
  metricsNotification,
  statusNotification,
  type ClientSettings,
  type EditSelectionArguments,
  type ModelInfo,
  type ModelRole,
  type SparkMetrics,
  type SparkStatus,
} from "./lsp-protocol.js";
