import type { SparkErrorCode } from "./error-codes.js";

export type { SparkErrorCode } from "./error-codes.js";

/** A SparkError as data: what a stream's `error` event carries, and what `SparkError.fromJSON` takes back. */
export interface SparkErrorJSON {
  code: SparkErrorCode;
  message: string;
  status: number;
}

export interface SparkErrorOptions {
  status?: number;
  retryable?: boolean;
  cause?: unknown;
}

/**
 * Every failure a user can meet is a SparkError: a stable `code`, the HTTP status the gateway answers
 * with, whether retrying can help, and a message that says what to do next.
 */
export class SparkError extends Error {
  readonly code: SparkErrorCode;
  readonly status: number;
  readonly isRetryable: boolean;

  constructor(code: SparkErrorCode, message: string, options: SparkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.isRetryable = options.retryable ?? false;
  }

  /** The error an `error` event carried, thrown again where a stream's failure must stop the caller. */
  static fromJSON(json: SparkErrorJSON): SparkError {
    return new SparkError(json.code, json.message, { status: json.status });
  }

  toJSON(): SparkErrorJSON {
    return { code: this.code, message: this.message, status: this.status };
  }
}

/**
 * The base of a SparkError class that always has one code, answered with `status` unless the options
 * say otherwise: `class ConfigError extends fixedCodeError("config_invalid", 400) {}`.
 */
export function fixedCodeError(code: SparkErrorCode, status: number) {
  return class extends SparkError {
    constructor(message: string, options: SparkErrorOptions = {}) {
      super(code, message, { status, ...options });
    }
  };
}

/** A config file or environment variable holds a value Spark cannot use. */
export class ConfigError extends fixedCodeError("config_invalid", 400) {}

/** A task of an eval suite (`spark eval --tasks-dir`) is incomplete: said before any task runs. */
export class EvalTaskError extends fixedCodeError("eval_task_invalid", 400) {}

/** The command line itself is wrong (unknown flag value, missing prompt). */
export class UsageError extends fixedCodeError("usage_invalid", 400) {}

type ModelErrorCode = Extract<SparkErrorCode, "model_not_configured" | "model_unknown" | "model_file_missing" | "model_file_invalid" | "model_download_failed">;

/** A model name that resolves to nothing, or a model file that cannot be used. */
export class ModelError extends SparkError {
  constructor(code: ModelErrorCode, message: string, options: SparkErrorOptions = {}) {
    super(code, message, { status: code === "model_unknown" ? 404 : 400, ...options });
  }
}

type ProviderErrorCode = Extract<SparkErrorCode, "provider_auth" | "provider_rate_limited" | "provider_unreachable" | "provider_bad_request" | "provider_error">;

/** A remote model server refused or failed a request. */
export class ProviderError extends SparkError {
  constructor(code: ProviderErrorCode, message: string, options: SparkErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * One input (a task, a pasted file) is larger than the model's context window even after the history
 * is compacted: nothing Spark can drop makes it fit, so the user must change the input or the model.
 */
export class ContextOverflowError extends SparkError {
  constructor(
    readonly inputTokens: number,
    readonly windowTokens: number,
    readonly reservedTokens: number,
    model: string,
  ) {
    super(
      "context_overflow",
      `The request is about ${inputTokens.toLocaleString("en-US")} tokens (instructions, tools and input), but ${model} has a context window of ${windowTokens.toLocaleString("en-US")} tokens ` +
        `(${reservedTokens.toLocaleString("en-US")} kept for the answer). Split the input into smaller parts, use a model with a larger window, ` +
        "or raise the window of a local model with --context-size (or context_size in config).",
      { status: 400 },
    );
  }
}

/** The message of anything thrown: an Error's own, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps anything thrown that is not already a SparkError, so callers handle one type. */
export function toSparkError(error: unknown): SparkError {
  if (error instanceof SparkError) return error;
  return new SparkError("internal", `Unexpected error: ${errorMessage(error)}`, { cause: error });
}
