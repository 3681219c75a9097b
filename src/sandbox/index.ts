export { approvalFor, approvalModes, parseApprovalMode, type ActionKind, type ApprovalMode } from "./approval-mode.js";
export { createSandbox, type CreateSandboxOptions, type Sandbox } from "./bubblewrap-sandbox.js";
export type { CommandRequest, CommandResult } from "./command-request.js";
export { runUnsandboxed } from "./run-unsandboxed.js";
export { CommandRefusedError, SandboxUnavailableError } from "./sandbox-errors.js";
