import { UsageError } from "../core/errors.js";

/**
 * How much the agent may do without asking. The names follow the Codex CLI so users who know it
 * know these: `suggest` asks for everything, `auto-edit` trusts patches (they are checkpointed and
 * undoable), `full-auto` also trusts commands because they run inside the sandbox.
 */
export type ApprovalMode = "suggest" | "auto-edit" | "full-auto";

export const approvalModes: readonly ApprovalMode[] = Object.freeze(["suggest", "auto-edit", "full-auto"]);

/** What the agent wants to do: change files through a patch, or run a shell command. */
export type ActionKind = "edit" | "command";

export type Approval = "allow" | "ask";

// A table rather than branches, so the whole policy can be read (and reviewed) at a glance.
const approvalTable: Readonly<Record<ApprovalMode, Readonly<Record<ActionKind, Approval>>>> = {
  suggest: { edit: "ask", command: "ask" },
  "auto-edit": { edit: "allow", command: "ask" },
  "full-auto": { edit: "allow", command: "allow" },
};

/**
 * suggest: ask before edits and commands; auto-edit: edits allowed, commands ask; full-auto: both
 * allowed (commands always run sandboxed).
 */
export function approvalFor(mode: ApprovalMode, action: ActionKind): Approval {
  return approvalTable[mode][action];
}

/** Reads `--approval VALUE` (or a config value); the error lists the accepted modes. */
export function parseApprovalMode(text: string): ApprovalMode {
  const wanted = text.trim().toLowerCase();
  const mode = approvalModes.find((candidate) => candidate === wanted);
  if (mode !== undefined) return mode;
  throw new UsageError(
    `Unknown approval mode "${text}". Use one of: ${approvalModes.join(", ")} ` +
      "(suggest: ask before edits and commands; auto-edit: apply edits, ask before commands; " +
      "full-auto: apply edits and run commands in the sandbox without asking).",
  );
}
