import { SparkError, type SparkErrorOptions } from "../core/errors.js";

/**
 * The sandbox cannot run on this machine (bubblewrap missing, namespaces denied). The message says
 * why and what to do; 503 because the request is fine, the host just cannot serve it as asked.
 */
export class SandboxUnavailableError extends SparkError {
  constructor(message: string, options: SparkErrorOptions = {}) {
    super("sandbox_unavailable", message, { status: 503, ...options });
  }
}

/** A command request that Spark will not run as given (cwd outside the workspace, bad limits). */
export class CommandRefusedError extends SparkError {
  constructor(message: string, options: SparkErrorOptions = {}) {
    super("command_refused", message, { status: 400, ...options });
  }
}
