import type { SandboxLimitsEntry } from "../config/index.js";
import { startAllowListProxy, type AllowListProxy } from "./allow-list-proxy.js";
import { bwrapArgs, SANDBOX_HOME } from "./bubblewrap-args.js";
import { resolveCommandRequest, type CommandRequest, type CommandResult } from "./command-request.js";
import { chooseShell, minimalEnv, shellArgv } from "./command-shell.js";
import { readHostLayout, type HostLayout } from "./host-layout.js";
import { probeBubblewrap } from "./probe-bubblewrap.js";
import { forwarderArgv } from "./network-forwarder.js";
import { findPidsCgroupParent, type PidsCgroupParent } from "./pids-cgroup.js";
import { missingProtectedPaths, protectedWorkspacePaths, removeEmptyMountPoints } from "./protected-paths.js";
import { limitsWrapperArgv, rlimitValues, sandboxLimits, type SandboxLimits } from "./resource-limits.js";
import { runCaptured } from "./spawn-captured.js";

/** Where the allow-list proxy's socket directory appears inside the sandbox (in its private /run). */
const PROXY_DIR = "/run/spark-proxy";

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
  /** `[sandbox] limits` from the user's config; defaults in resource-limits.ts. */
  limits?: SandboxLimitsEntry;
  /**
   * `[sandbox] allow_hosts` from the user's config. When given, a request with `network: true` gets no
   * host network: only an HTTP(S) proxy that reaches these hosts. Absent: `network: true` is any host.
   */
  allowHosts?: readonly string[];
}

/** Probes bubblewrap once; throws SandboxUnavailableError (why, and what to do) when it cannot run. */
export async function createSandbox(options: CreateSandboxOptions = {}): Promise<Sandbox> {
  const bwrapPath = options.bwrapPath ?? "bwrap";
  const layout = await readHostLayout();
  await probeBubblewrap(bwrapPath, layout);
  const limits = sandboxLimits(options.limits);
  const policy: LimitPolicy = { limits, rlimits: await rlimitValues(limits), cgroups: await findPidsCgroupParent() };
  return new BubblewrapSandbox(bwrapPath, layout, options.hiddenPaths ?? [], policy, options.allowHosts);
}

/** What bounds each command: the rlimits, and a pids cgroup where this process may make one. */
interface LimitPolicy {
  limits: SandboxLimits;
  rlimits: Record<string, number>;
  cgroups: PidsCgroupParent | undefined;
}

class BubblewrapSandbox implements Sandbox {
  readonly kind = "bubblewrap";

  constructor(
    private readonly bwrapPath: string,
    private readonly layout: HostLayout,
    private readonly hiddenPaths: readonly string[],
    private readonly policy: LimitPolicy,
    private readonly allowHosts: readonly string[] | undefined,
  ) {}

  async run(request: CommandRequest): Promise<CommandResult> {
    const resolved = await resolveCommandRequest(request);
    const missing = await missingProtectedPaths(resolved.workspace);
    const proxy = resolved.network && this.allowHosts !== undefined ? await startAllowListProxy(this.allowHosts) : undefined;
    const cgroup = await this.policy.cgroups?.create(this.policy.limits.processes);
    const mounts = {
      workspace: resolved.workspace,
      readOnlyInWorkspace: await protectedWorkspacePaths(resolved.workspace),
      emptyReadOnlyInWorkspace: missing,
      cwd: resolved.cwd,
      // With an allow-list the command gets its own empty network; the proxy is its only way out.
      network: resolved.network && proxy === undefined,
      hidden: this.hiddenPaths,
      ...(proxy ? { extra: proxyMounts(proxy) } : {}),
    };
    const shell = shellArgv(chooseShell(), resolved.command);
    const command = proxy ? forwarderArgv(process.execPath, `${PROXY_DIR}/${proxy.socketName}`, shell) : shell;
    const inner = limitsWrapperArgv(chooseShell(), this.policy.rlimits, command);
    const bwrap: [string, ...string[]] = [this.bwrapPath, ...bwrapArgs(this.layout, mounts, inner, this.policy.limits.tmpMb)];
    try {
      return await runCaptured(
        // bwrap passes its own environment on to the command, so this is the command's environment.
        { argv: cgroup ? cgroup.wrap(bwrap) : bwrap, cwd: resolved.workspace, env: minimalEnv(SANDBOX_HOME, resolved.env) },
        resolved,
      );
    } finally {
      await cgroup?.remove();
      await proxy?.close();
      // bubblewrap creates the mount point for a missing .git on the host; do not leave it behind.
      await removeEmptyMountPoints(missing);
    }
  }
}

/** The proxy's socket directory, and node for the forwarder (hidden homes may hold the host's node). */
function proxyMounts(proxy: AllowListProxy): string[] {
  return ["--ro-bind", proxy.dir, PROXY_DIR, "--ro-bind", process.execPath, process.execPath];
}
