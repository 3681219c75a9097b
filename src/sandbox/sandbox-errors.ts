import { fixedCodeError } from "../core/errors.js";

/**
 * The sandbox cannot run on this machine (bubblewrap missing, namespaces denied). The message says
 * why and what to do; 503 because the request is fine, the host just cannot serve it as asked.
 */
export class SandboxUnavailableError extends fixedCodeError("sandbox_unavailable", 503) {}

/** A command request that Spark will not run as given (cwd outside the workspace, bad limits). */
export class CommandRefusedError extends fixedCodeError("command_refused", 400) {}
