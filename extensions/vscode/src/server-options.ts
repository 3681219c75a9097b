/**
 * Everything the extension decides without VS Code itself: how `spark lsp` is started from the settings,
 * what the server is told at initialize, and what the status bar says. Kept free of the `vscode` module
 * so it can be tested in plain Node. The names match src/lsp/lsp-protocol.ts of the Spark repository.
 */

export const commands = {
  editSelection: "spark.editSelection",
  toggleModel: "spark.toggleModel",
  restart: "spark.restart",
  showLog: "spark.showLog",
} as const;

export const metricsNotification = "spark/metrics";
export const statusNotification = "spark/status";

export interface SparkSettings {
  /** The spark executable, or a `bin/spark.js` to run with Node. */
  path: string;
  model: string;
  reviewModel: string;
  serverUrl: string;
  debounceMs: number;
  maxCompletionTokens: number;
}

export const defaultSettings: SparkSettings = {
  path: "spark",
  model: "",
  reviewModel: "",
  serverUrl: "",
  debounceMs: 60,
  maxCompletionTokens: 96,
};

/** What `spark/metrics` carries (see SparkMetrics in src/lsp/lsp-protocol.ts). */
export interface SparkMetrics {
  kind: "completion" | "edit";
  model: string;
  role: "fast" | "review";
  mode: string;
  finish: string;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  outputTokens: number;
  totalMs: number;
}

/** What `spark/status` carries (see SparkStatus in src/lsp/lsp-protocol.ts): a model's load. */
export interface SparkStatus {
  state: "loading" | "ready" | "failed";
  role: "fast" | "review";
  model: string;
  loadMs?: number;
  message?: string;
}

export interface ModelInfo {
  role: "fast" | "review";
  model: string;
  alternative?: string;
}

/** The command line that starts the server over stdio. */
export function serverCommand(settings: SparkSettings, nodePath = "node"): { command: string; args: string[] } {
  const args = ["lsp", "--stdio"];
  if (settings.model.trim()) args.push("--model", settings.model.trim());
  if (settings.reviewModel.trim()) args.push("--review-model", settings.reviewModel.trim());
  if (settings.serverUrl.trim()) args.push("--base-url", settings.serverUrl.trim());
  const path = settings.path.trim() || defaultSettings.path;
  return /\.[cm]?js$/.test(path) ? { command: nodePath, args: [path, ...args] } : { command: path, args };
}

/** Sent as initializationOptions (ClientSettings on the server side). */
export function initializationOptions(settings: SparkSettings): { debounceMs: number; maxCompletionTokens: number } {
  return { debounceMs: settings.debounceMs, maxCompletionTokens: settings.maxCompletionTokens };
}

/** Settings as read from the workspace configuration, with unusable values replaced by the defaults. */
export function readSettings(get: (key: keyof SparkSettings) => unknown): SparkSettings {
  const text = (key: "path" | "model" | "reviewModel" | "serverUrl"): string => {
    const value = get(key);
    return typeof value === "string" ? value : defaultSettings[key];
  };
  const number = (key: "debounceMs" | "maxCompletionTokens", min: number): number => {
    const value = get(key);
    return typeof value === "number" && Number.isFinite(value) && value >= min ? value : defaultSettings[key];
  };
  return {
    path: text("path"),
    model: text("model"),
    reviewModel: text("reviewModel"),
    serverUrl: text("serverUrl"),
    debounceMs: number("debounceMs", 0),
    maxCompletionTokens: number("maxCompletionTokens", 1),
  };
}

/** The status bar: the active role and model, then the last call's speed; or that the model is loading or failed. */
export function statusText(info: ModelInfo | undefined, metrics: SparkMetrics | undefined, load?: SparkStatus): string {
  if (load?.state === "loading") return `$(loading~spin) Spark ${load.role}: loading model…`;
  if (load?.state === "failed") return `$(error) Spark ${load.role}: model failed`;
  const model = metrics?.model ?? info?.model ?? "";
  const role = metrics?.role ?? info?.role ?? "fast";
  const parts = [`$(zap) Spark ${role}${model ? `: ${shortName(model)}` : ""}`];
  if (metrics?.tokensPerSecond != null) parts.push(`${Math.round(metrics.tokensPerSecond).toLocaleString("en-US")} tok/s`);
  if (metrics?.ttftMs != null) parts.push(`${Math.round(metrics.ttftMs)} ms`);
  return parts.join(" · ");
}

/** "local:/home/me/models/qwen.gguf" -> "qwen.gguf": paths are long, the file name says enough. */
export function shortName(model: string): string {
  return model.startsWith("local:") ? (model.split(/[\\/]/).pop() ?? model) : model;
}

export function statusTooltip(info: ModelInfo | undefined, metrics: SparkMetrics | undefined, load?: SparkStatus): string {
  if (load?.state === "loading") return `Spark: loading ${load.model} (${load.role} model); suggestions start when it is ready`;
  if (load?.state === "failed") return `Spark: the ${load.role} model ${load.model} cannot be used: ${load.message ?? "see the log (Spark: Show Log)"}`;
  const lines = [`Spark: ${info?.role ?? "fast"} model ${info?.model || "(configured default)"}`];
  if (info?.alternative) lines.push(`Click to switch to ${info.role === "fast" ? "review" : "fast"}: ${info.alternative}`);
  if (metrics) {
    lines.push(`Last ${metrics.kind}: ${metrics.finish}, ${metrics.outputTokens} tokens in ${Math.round(metrics.totalMs)} ms (${metrics.mode})`);
  }
  return lines.join("\n");
}
