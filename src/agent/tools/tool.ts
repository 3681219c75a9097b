import type { ToolDefinition } from "../../core/index.js";
import type { MergeModel } from "../../edits/index.js";
import type { ApprovalMode, Sandbox } from "../../sandbox/index.js";

/** Lines added and removed in one file, for the end-of-task summary. */
export interface FileChange {
  /** Workspace-relative, "/"-separated. */
  path: string;
  added: number;
  removed: number;
}

/** What a tool hands back to the model (always text) and to the user interface. */
export interface ToolResult {
  ok: boolean;
  /** The text the model sees as the tool's answer. */
  output: string;
  changes?: FileChange[];
  /** Text the model is likely to repeat next (a file it just read): the next call's prediction. */
  predictionHint?: string;
}

/** A yes/no question to the user; non-interactive callers answer no, with the reason shown. */
export interface ApprovalRequest {
  /** "tool": a tool of an MCP server, approved like commands but answered "always" on its own. */
  kind: "edit" | "command" | "tool";
  /** What would happen, as the user should see it (the patch, the command line, the tool call). */
  detail: string;
}

export interface ToolContext {
  /** Absolute, symlinks resolved. */
  workspace: string;
  approvalMode: ApprovalMode;
  /** Asks the user; undefined when nobody can be asked (`spark exec`). */
  ask?: (request: ApprovalRequest) => Promise<boolean>;
  /** Undefined when bubblewrap cannot run here; full-auto commands are then refused. */
  sandbox?: Sandbox;
  allowNetwork: boolean;
  signal?: AbortSignal;
  /** Most bytes of one tool output the history keeps (the rest is elided); read_file pages to fit it. */
  maxOutputBytes?: number;
  /** Records an applied patch so `spark undo` can restore it. */
  applyPatch: (patch: string) => Promise<ToolResult>;
  /** Applies a lazy edit (edit_file) the same way; absent where lazy edits are not offered. */
  applyLazyEdit?: (edit: LazyEditRequest) => Promise<ToolResult>;
  /** The model that merges lazy edits the deterministic merge cannot place: the agent's own model. */
  mergeModel?: MergeModel;
}

export interface LazyEditRequest {
  path: string;
  snippet: string;
  mergeModel?: MergeModel;
  signal?: AbortSignal;
}

export interface Tool {
  definition: ToolDefinition;
  execute(args: Record<string, unknown>, context: ToolContext): Promise<ToolResult>;
}

/** A failed call the model can correct: the message says what was wrong. */
export function toolError(message: string): ToolResult {
  return { ok: false, output: `Error: ${message}` };
}
