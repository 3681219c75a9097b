import { bwrapArgs, SANDBOX_HOME } from "./bubblewrap-args.js";
import { resolveCommandRequest, type CommandRequest, type CommandResult } from "./command-request.js";
import { chooseShell, minimalEnv, shellArgv } from "./command-shell.js";
import { readHostLayout, type HostLayout } from "./host-layout.js";
import { probeBubblewrap } from "./probe-bubblewrap.js";
import { missingProtectedPaths, protectedWorkspacePaths, removeEmptyMountPoints } from "./protected-paths.js";
import { runCaptured } from "./spawn-captured.js";

/**
 * Runs commands isolated from the host: the system read-only, the workspace read-write, private
 * /tmp, /var/tmp, /run, /dev/shm and IPC, its own PID namespace, and no network unless asked.
 */
export interface Sandbox {
  run(request: CommandRequest): Promise<CommandResult>;
  readonly kind: "bubblewrap";
}

export interface CreateSandboxOptions {
  /** The bwrap executable; default `bwrap` from PATH. */
  bwrapPath?: string;
  /**
   * Real paths of host directories every command sees as empty (`spark eval` hides its suite, where
   * the hidden tests are). A workspace may not lie inside one.
   */
  hiddenPaths?: readonly string[];
}

/** Probes bubblewrap once; throws SandboxUnavailableError (why, and what to do) when it cannot run. */
export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const bwrapPath = options.bwrapPath ?? "bwrap";
  const layout = await readHostLayout();
  await probeBubblewrap(bwrapPath, layout);
  return new BubblewrapSandbox(bwrapPath, layout, options.hiddenPaths ?? []);
}

class BubblewrapSandbox implements Sandbox {
  readonly kind = "bubblewrap";

  constructor(
    private readonly bwrapPath: string,
    private readonly layout: HostLayout,
    private readonly hiddenPaths: readonly string[],
  ) {}

  async run(request: CommandRequest): Promise<CommandResult> {
    const resolved = await resolveCommandRequest(request);
    const missing = await missingProtectedPaths(resolved.workspace);
    const mounts = {
      workspace: resolved.workspace,
      readOnlyInWorkspace: await protectedWorkspacePaths(resolved.workspace),
      emptyReadOnlyInWorkspace: missing,
      cwd: resolved.cwd,
      network: resolved.network,
      hidden: this.hiddenPaths,
    };
    const argv = bwrapArgs(this.layout, mounts, shellArgv(chooseShell(), resolved.command));
    try {
      return await runCaptured(
        // bwrap passes its own environment on to the command, so this is the command's environment.
        { argv: [this.bwrapPath, ...argv], cwd: resolved.workspace, env: minimalEnv(SANDBOX_HOME, resolved.env) },
        resolved,
      );
    } finally {
      // bubblewrap creates the mount point for a missing .git on the host; do not leave it behind.
      await removeEmptyMountPoints(missing);
    }
  }
}
