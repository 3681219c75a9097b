import type { HostLayout } from "./host-layout.js";

/** HOME inside the sandbox: in the private /tmp, so dotfiles a tool writes vanish with the run. */
export const SANDBOX_HOME = "/tmp/home";

export interface SandboxMounts {
  /** Real path of the workspace, mounted read-write at the same path. */
  workspace: string;
  /** Real paths inside the workspace that stay read-only (see protectedWorkspacePaths). */
  readOnlyInWorkspace: readonly string[];
  /** Paths inside the workspace that get an empty read-only directory (see missingProtectedPaths). */
  emptyReadOnlyInWorkspace?: readonly string[];
  cwd: string;
  network: boolean;
  /** Host directories the command must not read (an eval's hidden tests): each gets an empty tmpfs. */
  hidden?: readonly string[];
  /** What the command sees of homes and system secrets (hostViewArgs in host-view.ts). */
  hostView?: readonly string[];
  /** The UNIX socket filter's mounts and settings (socketFilterBwrapArgs in unix-socket-filter.ts). */
  socketFilter?: readonly string[];
  /** Mounts that come last, over everything else (the allow-list proxy's socket, node for its forwarder). */
  extra?: readonly string[];
}

/** Size of each private tmpfs where none is given (the probe): the default `[sandbox] limits.tmp_mb`. */
const DEFAULT_TMP_MB = 1024;

/**
 * The isolation every sandboxed command gets, before any workspace is mounted. Order matters:
 * bubblewrap applies mounts in argument order, so later mounts cover earlier ones.
 */
export function bwrapPolicyArgs(layout: HostLayout, network: boolean, tmpMb = DEFAULT_TMP_MB): string[] {
  const args = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  // --size bounds what a command can write to memory-backed dirs (/dev/shm is part of --dev otherwise).
  const size = String(tmpMb * 1024 * 1024);
  for (const dir of [...layout.privateDirs, "/dev/shm"]) args.push("--size", size, "--tmpfs", dir);
  if (network) {
    for (const file of layout.networkFilesUnderRun) args.push("--ro-bind-try", file, file);
  }
  args.push("--dir", SANDBOX_HOME);
  // A user namespace of its own: the socket filter makes a nested one, and without the filter bubblewrap
  // can only forbid new ones (--disable-userns) inside its own.
  args.push("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try");
  if (!network) args.push("--unshare-net");
  args.push(
    "--die-with-parent",
    // A new session: the command cannot push keystrokes into the user's terminal (TIOCSTI).
    "--new-session",
    // Run as root, bwrap keeps every capability by default, and CAP_SYS_ADMIN can simply
    // remount / read-write (measured). Unprivileged runs have none; this makes both the same.
    "--cap-drop",
    "ALL",
  );
  return args;
}

/** Everything after the policy: the workspace mounts, the working directory and the command. */
export function bwrapArgs(layout: HostLayout, mounts: SandboxMounts, argv: readonly string[], tmpMb?: number): string[] {
  const args = bwrapPolicyArgs(layout, mounts.network, tmpMb);
  // Over the read-only `/` and the private dirs; before the workspace, which may not lie inside one.
  for (const path of mounts.hidden ?? []) args.push("--tmpfs", path);
  args.push(...(mounts.hostView ?? []));
  // After the tmpfs mounts, so a workspace that lives under /tmp (os.tmpdir()) is the host's.
  args.push("--bind", mounts.workspace, mounts.workspace);
  for (const path of mounts.readOnlyInWorkspace) args.push("--ro-bind", path, path);
  for (const path of mounts.emptyReadOnlyInWorkspace ?? []) args.push("--tmpfs", path, "--remount-ro", path);
  args.push(...(mounts.socketFilter ?? []));
  args.push(...(mounts.extra ?? []));
  args.push("--chdir", mounts.cwd, "--", ...argv);
  return args;
}
