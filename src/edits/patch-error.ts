import { SparkError, type SparkErrorOptions } from "../core/errors.js";
import { errorMessage } from "../core/index.js";

/**
 * Why a patch, an operation or a hunk was refused. The SparkError `code` is always "patch_rejected";
 * this finer code lets the agent and the CLI react (retry one hunk, fix a path, give up on a binary).
 */
export type PatchErrorCode =
  | "parse"
  | "no_match"
  | "ambiguous"
  | "path_escape"
  | "file_missing"
  | "file_exists"
  | "not_a_file"
  | "binary_file"
  | "too_large"
  | "protected_path"
  | "unsafe_name"
  | "changed_on_disk"
  | "outside_snippet"
  | "busy"
  | "io";

export interface PatchErrorOptions extends SparkErrorOptions {
  /** 1-based line of the patch text the problem was found on, when there is one. */
  line?: number;
}

export class PatchError extends SparkError {
  readonly patchCode: PatchErrorCode;
  readonly line: number | undefined;

  constructor(patchCode: PatchErrorCode, message: string, options: PatchErrorOptions = {}) {
    const { line, ...rest } = options;
    // A refused patch is the caller's input problem (400); only a failing disk is the server's (500).
    super("patch_rejected", message, { status: patchCode === "io" ? 500 : 400, ...rest });
    this.patchCode = patchCode;
    this.line = line;
  }
}

/** Turns a Node fs error into a PatchError that names the file, keeping the original as the cause. */
export function toPatchIoError(error: unknown, action: string, displayPath: string): PatchError {
  if (error instanceof PatchError) return error;
  const detail = errorMessage(error);
  return new PatchError("io", `Could not ${action} ${displayPath}: ${detail}`, { cause: error });
}

/** The `code` property of a Node system error (ENOENT, EISDIR...), if there is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === "string" ? code : undefined;
}
