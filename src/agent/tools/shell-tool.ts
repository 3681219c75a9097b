import { z } from "zod";
import { approvalFor, runUnsandboxed, type CommandResult } from "../../sandbox/index.js";
import { defineTool } from "./define-tool.js";
import type { ToolContext } from "./tool.js";
import { toolError } from "./tool.js";

function describeResult(result: CommandResult): string {
  const status = result.timedOut
    ? "timed out and was killed"
    : result.aborted
      ? "was interrupted"
      : result.signal
        ? `was killed by ${result.signal}`
        : `exited with code ${result.exitCode}`;
  return `The command ${status} after ${Math.round(result.durationMs)} ms.${result.truncated ? " (output cut)" : ""}\n${result.output}`;
}

/** full-auto runs in the sandbox; otherwise the user approves and the command runs as they would run it. */
async function run(command: string, timeoutMs: number | undefined, context: ToolContext): Promise<CommandResult | { refusal: string }> {
  const request = {
    command,
    workspace: context.workspace,
    network: context.allowNetwork,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(context.signal ? { signal: context.signal } : {}),
  };
  if (approvalFor(context.approvalMode, "command") === "allow") {
    if (context.sandbox) return context.sandbox.run(request);
    return { refusal: "commands cannot run: the bubblewrap sandbox is not available on this machine, so full-auto mode cannot run them safely." };
  }
  if (!context.ask) {
    return { refusal: `running commands needs approval in ${context.approvalMode} mode and nobody can be asked here; the user can run with --approval full-auto to run commands in the sandbox.` };
  }
  if (!(await context.ask({ kind: "command", detail: command }))) return { refusal: "the user declined this command." };
  return runUnsandboxed(request);
}

export const shellTool = defineTool(
  "shell",
  "Run a shell command in the workspace (for example the project's tests or linter). In full-auto mode it runs in a sandbox: the workspace is writable, the rest of the system read-only, and there is no network.",
  z.object({
    command: z.string().min(1),
    timeout_ms: z.number().int().min(100).max(600_000).optional(),
  }),
  async ({ command, timeout_ms }, context) => {
    const result = await run(command, timeout_ms, context);
    if ("refusal" in result) return toolError(result.refusal);
    return { ok: result.exitCode === 0, output: describeResult(result) };
  },
);
