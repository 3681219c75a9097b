import type { SandboxSection } from "../config/index.js";
import { loadProtectedPaths, type ProtectedPaths } from "../workspace/index.js";
import { startAllowListProxy, type AllowListProxy } from "./allow-list-proxy.js";
import { bwrapArgs, SANDBOX_HOME } from "./bubblewrap-args.js";
import { resolveCommandRequest, type CommandRequest, type CommandResult } from "./command-request.js";
import { chooseShell, minimalEnv, shellArgv } from "./command-shell.js";
import { stripFileCapabilities } from "./file-capabilities.js";
import { readHostLayout, type HostLayout } from "./host-layout.js";
import { hostViewArgs, readHostView, refuseWorkspaceWithHome, type HostView } from "./host-view.js";
import { forwarderArgv } from "./network-forwarder.js";
import { findPidsCgroupParent, type PidsCgroupParent } from "./pids-cgroup.js";
import { probeBubblewrap } from "./probe-bubblewrap.js";
import { prepareProtectedMounts, releaseProtectedMounts, removeNewProtected, type ProtectedMounts } from "./protected-mounts.js";
import { limitsWrapperArgv, rlimitValues, sandboxLimits, type SandboxLimits } from "./resource-limits.js";
import { CommandRefusedError } from "./sandbox-errors.js";
import { clearSetIdBits } from "./setuid-bits.js";
import { runCaptured } from "./spawn-captured.js";
import { resolveSocketFilter, socketFilterBwrapArgs, withSocketFilter, type SocketFilter } from "./unix-socket-filter.js";
import { scanWorkspace } from "./workspace-scan.js";

/** Where the allow-list proxy's socket directory appears inside the sandbox (in its private /run). */
const PROXY_DIR = "/run/spark-proxy";

/**
 * Runs commands isolated from the host: the system read-only without its secrets, every home hidden and an
 * empty private one, the workspace read-write but its protected paths read-only, private /tmp, /var/tmp,
 * /run, /dev/shm and IPC, its own PID namespace, no UNIX sockets, bounded processes, memory, files and CPU,
 * and no network unless asked (then any host, or only the allowed ones through a proxy).
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
  /**
   * `[sandbox]` of the config: protected, home_read, unix_sockets, limits (defaults in resource-limits.ts),
   * allow_hosts (when given, a request with `network: true` gets no host network, only an HTTP(S) proxy
   * that reaches these hosts; absent, `network: true` is any host).
   */
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
  const limits = sandboxLimits(settings.limits);
  return new BubblewrapSandbox(bwrapPath, layout, {
    hidden: options.hiddenPaths ?? [],
    view,
    filter,
    protectedGlobs: settings.protected ?? [],
    allowHosts: settings.allow_hosts,
    limits,
    rlimits: await rlimitValues(limits),
    cgroups: await findPidsCgroupParent(),
  });
}

interface SandboxPolicy {
  hidden: readonly string[];
  view: HostView;
  filter: SocketFilter;
  protectedGlobs: readonly string[];
  allowHosts: readonly string[] | undefined;
  limits: SandboxLimits;
  rlimits: Record<string, number>;
  /** A pids cgroup per command where this process may make one (RLIMIT_NPROC does not bind uid 0). */
  cgroups: PidsCgroupParent | undefined;
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
    // Side by side: both wait on a child process, and every millisecond here delays the command.
    const [protectedPaths, before] = await Promise.all([loadProtectedPaths(resolved.workspace, { extra: this.policy.protectedGlobs }), scanWorkspace(resolved.workspace)]);
    if (before.incomplete !== undefined) {
      // Without the full list, a nested repository would be neither read-only nor told apart from a new one.
      throw new CommandRefusedError(
        `Spark could not list the workspace to find its nested repositories before the command (${before.incomplete}), so it cannot protect them. ` +
          "Run Spark in a smaller folder, or approve commands one by one (--approval suggest or auto-edit).",
      );
    }
    const guard = await prepareProtectedMounts(protectedPaths, before);
    const proxy = resolved.network && this.policy.allowHosts !== undefined ? await startAllowListProxy(this.policy.allowHosts) : undefined;
    const cgroup = await this.policy.cgroups?.create(this.policy.limits.processes);
    const mounts = {
      workspace: resolved.workspace,
      readOnlyInWorkspace: guard.readOnly,
      emptyReadOnlyInWorkspace: guard.emptyReadOnly,
      cwd: resolved.cwd,
      // With an allow-list the command gets its own empty network; the proxy is its only way out.
      network: resolved.network && proxy === undefined,
      hidden: this.policy.hidden,
      hostView: hostViewArgs(this.policy.view),
      socketFilter: socketFilterBwrapArgs(this.policy.filter),
      ...(proxy ? { extra: proxyMounts(proxy) } : {}),
    };
    // Inside bwrap: limits and closed fds for everything, then the forwarder (it needs a UNIX socket, so it
    // runs outside the socket filter), then the filter, then the shell.
    const shell = withSocketFilter(this.policy.filter, shellArgv(chooseShell(), resolved.command));
    const command = proxy ? forwarderArgv(process.execPath, `${PROXY_DIR}/${proxy.socketName}`, shell) : shell;
    const inner = limitsWrapperArgv(chooseShell(), this.policy.rlimits, command);
    const bwrap: [string, ...string[]] = [this.bwrapPath, ...bwrapArgs(this.layout, mounts, inner, this.policy.limits.tmpMb)];
    let result: CommandResult | undefined;
    try {
      result = await runCaptured(
        // bwrap passes its own environment on to the command, so this is the command's environment.
        { argv: cgroup ? cgroup.wrap(bwrap) : bwrap, cwd: resolved.workspace, env: minimalEnv(SANDBOX_HOME, resolved.env) },
        resolved,
      );
    } finally {
      await cgroup?.remove();
      await proxy?.close();
      // Also after a failure: nothing the command planted may stay for the host to run.
      const notes = await this.settle(protectedPaths, guard);
      if (result !== undefined && notes.length > 0) result = { ...result, output: `${result.output}${describeNotes(notes)}` };
    }
    return result;
  }

  /** Undoes what the command may have planted for the host: repositories, setuid files, file capabilities. */
  private async settle(protectedPaths: ProtectedPaths, guard: ProtectedMounts): Promise<string[]> {
    const notes = await releaseProtectedMounts(guard);
    const after = await scanWorkspace(protectedPaths.workspace);
    if (after.incomplete !== undefined) {
      notes.push(
        `WARNING: the check of the workspace after the command did not finish (${after.incomplete}); the repositories and setuid files it listed were removed or cleared, ` +
          "the rest of the workspace was NOT checked: look for planted .git folders (find . -name .git) before you run git here",
      );
    }
    notes.push(...(await removeNewProtected(protectedPaths, guard, after)), ...(await clearSetIdBits(after)));
    if (this.policy.filter.binary !== undefined && process.geteuid?.() === 0) notes.push(...(await stripFileCapabilities(protectedPaths.workspace)));
    return notes;
  }
}

/** Told to the model in the command's output, so it does not rely on what was undone. */
function describeNotes(notes: readonly string[]): string {
  return `\n[spark sandbox] ${notes.join("\n[spark sandbox] ")}\n`;
}

/** The proxy's socket directory, and node for the forwarder (hidden homes may hold the host's node). */
function proxyMounts(proxy: AllowListProxy): string[] {
  return ["--ro-bind", proxy.dir, PROXY_DIR, "--ro-bind", process.execPath, process.execPath];
}
