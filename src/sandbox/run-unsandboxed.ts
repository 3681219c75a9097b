import { homedir } from "node:os";
import { resolveCommandRequest, type CommandRequest, type CommandResult } from "./command-request.js";
import { chooseShell, minimalEnv, shellArgv } from "./command-shell.js";
import { runCaptured } from "./spawn-captured.js";

/**
 * Runs a command the user approved interactively, without the sandbox: the same checks, timeout,
 * output cap and abort as the sandbox, but the host file system and network as they are. HOME is
 * the user's, since an approved command (git, npm) is expected to see the user's settings; the
 * rest of the environment stays minimal so secrets are not handed over by default. `network` is
 * not enforced here: only a network namespace can take the network away.
 */
export async function runUnsandboxed(request: CommandRequest): Promise<CommandResult> {
  const resolved = await resolveCommandRequest(request);
  return runCaptured(
    { argv: shellArgv(chooseShell(), resolved.command), cwd: resolved.cwd, env: minimalEnv(homedir(), resolved.env) },
    resolved,
  );
}
