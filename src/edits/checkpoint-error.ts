import { SparkError, type SparkErrorOptions } from "../core/errors.js";

/** Why an undo (or a checkpoint) could not be carried out; the message names the files involved. */
export type CheckpointErrorReason = "nothing_to_undo" | "not_found" | "other_workspace" | "already_undone" | "conflict" | "restore_failed" | "record_failed";

const STATUS: Record<CheckpointErrorReason, number> = {
  nothing_to_undo: 404,
  not_found: 404,
  other_workspace: 400,
  already_undone: 409,
  conflict: 409,
  restore_failed: 500,
  record_failed: 500,
};

export class CheckpointError extends SparkError {
  readonly reason: CheckpointErrorReason;
  /** The files the error is about (relative to the workspace). */
  readonly files: readonly string[];

  constructor(reason: CheckpointErrorReason, message: string, options: SparkErrorOptions & { files?: readonly string[] } = {}) {
    const { files, ...rest } = options;
    super("patch_rejected", message, { status: STATUS[reason], ...rest });
    this.reason = reason;
    this.files = files ?? [];
  }
}
