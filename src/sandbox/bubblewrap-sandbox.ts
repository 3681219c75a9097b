import type { SandboxSection } from "../config/index.js";
import { loadProtectedPaths } from "../workspace/index.js";
import { bwrapArgs, SANDBOX_HOME } from "./bubblewrap-args.js";
import { resolveCommandRequest, type CommandRequest, type CommandResult } from "./command-request.js";
import { chooseShell, minimalEnv, shellArgv } from "./command-shell.js";
import { readHostLayout, type HostLayout } from "./host-layout.js";
import { hostViewArgs, readHostView, refuseWorkspaceWithHome, type HostView } from "./host-view.js";
import { stripFileCapabilities } from "./file-capabilities.js";
import { probeBubblewrap } from "./probe-bubblewrap.js";
import { prepareProtectedMounts, settleProtectedMounts } from "./protected-mounts.js";
import { runCaptured } from "./spawn-captured.js";
import { resolveSocketFilter, socketFilterBwrapArgs, withSocketFilter, type SocketFilter } from "./unix-socket-filter.js";

/**
 * Runs commands isolated from the host: the system read-only without its secrets, every home hidden and an
 * empty private one, the workspace read-write but its protected paths read-only, private /tmp, /var/tmp,
 * /run, /dev/shm and IPC, its own PID namespace, no UNIX sockets, and no network unless asked.
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
  /** `[sandbox]` of the config: protected, home_read, unix_sockets. */
  settings?: SandboxSection;
  /** Where HOME, SPARK_HOME and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Probes bubblewrap once; throws SandboxUnavailableError (why, and what to do) when it cannot run. */
export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const bwrapPath = options.bwrapPath ?? "bwrap";
  const settings = options.settings ?? {};
  const layout = await readHostLayout();
  const filter = resolveSocketFilter(settings.unix_sockets ?? []);
  await probeBubblewrap(bwrapPath, layout, filter);
  const view = await readHostView({ env: options.env ?? process.env, homeRead: settings.home_read ?? [] });
  return new BubblewrapSandbox(bwrapPath, layout, { hidden: options.hiddenPaths ?? [], view, filter, protectedGlobs: settings.protected ?? [] });
}

interface SandboxPolicy {
  hidden: readonly string[];
  view: HostView;
  filter: SocketFilter;
  protectedGlobs: readonly string[];
}

class BubblewrapSandbox implements Sandbox {
  readonly kind = "bubblewrap";

  constructor(
    private readonly bwrapPath: string,
    private readonly layout: HostLayout,
    private readonly policy: SandboxPolicy,
  ) {}

  async run(request: CommandRequest): Promise<CommandResult> {
    const resolved = await resolveCommandRequest(request);
    refuseWorkspaceWithHome(this.policy.view, resolved.workspace);
    const protectedPaths = await loadProtectedPaths(resolved.workspace, { extra: this.policy.protectedGlobs });
    const guard = await prepareProtectedMounts(protectedPaths);
    const mounts = {
      workspace: resolved.workspace,
      readOnlyInWorkspace: guard.readOnly,
      emptyReadOnlyInWorkspace: guard.emptyReadOnly,
      cwd: resolved.cwd,
      network: resolved.network,
      hidden: this.policy.hidden,
      hostView: hostViewArgs(this.policy.view),
      socketFilter: socketFilterBwrapArgs(this.policy.filter),
    };
    const argv = bwrapArgs(this.layout, mounts, withSocketFilter(this.policy.filter, shellArgv(chooseShell(), resolved.command)));
    let result: CommandResult | undefined;
    try {
      result = await runCaptured(
        // bwrap passes its own environment on to the command, so this is the command's environment.
        { argv: [this.bwrapPath, ...argv], cwd: resolved.workspace, env: minimalEnv(SANDBOX_HOME, resolved.env) },
        resolved,
      );
    } finally {
      // Also after a failure: nothing the command planted may stay for the host to run.
      const notes = await settleProtectedMounts(protectedPaths, guard);
      if (this.policy.filter.binary !== undefined && process.geteuid?.() === 0) notes.push(...(await stripFileCapabilities(resolved.workspace)));
      if (result !== undefined && notes.length > 0) result = { ...result, output: `${result.output}${describeNotes(notes)}` };
    }
    return result;
  }
}

/** Told to the model in the command's output, so it does not rely on what was undone. */
function describeNotes(notes: readonly string[]): string {
  return `\n[spark sandbox] ${notes.join("\n[spark sandbox] ")}\n`;
}
