import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { SandboxUnavailableError } from "./sandbox-errors.js";

/**
 * bubblewrap cannot filter `connect`, and a read-only mount does not stop one: a UNIX socket planted in the
 * workspace (or a Docker or gpg-agent socket) stays reachable. A seccomp filter that refuses
 * `socket(AF_UNIX)` closes that. We use the prebuilt, static `apply-seccomp` of @anthropic-ai/sandbox-runtime
 * (`apply-seccomp COMMAND ARGS...`) rather than writing BPF ourselves. It also refuses new user namespaces,
 * from which a command could detach our read-only mounts.
 */
export interface SocketFilter {
  /** Host path of the apply-seccomp binary; absent when the filter is off ([sandbox] unix_sockets). */
  binary?: string;
  /** Host sockets the command may connect to ([sandbox] unix_sockets), bound in at the same path. */
  allowed: readonly string[];
}

/** Where the binary appears in the sandbox: the private /tmp always exists, and a read-only bind cannot be replaced. */
export const FILTER_IN_SANDBOX = "/tmp/.spark-sandbox/apply-seccomp";

/** The architectures the package ships a binary for, by Node's name for them. */
const VENDOR_DIRS: Readonly<Partial<Record<string, string>>> = { x64: "x64", arm64: "arm64" };

const TO_FIX =
  "To fix: reinstall Spark's dependencies (`npm ci`), or list the sockets your commands need in `[sandbox] unix_sockets` " +
  "of your config (this turns the socket filter off), or run with `--approval suggest` or `--approval auto-edit`, " +
  "so that each command is shown to you for approval and then runs without the sandbox.";

/**
 * The filter for this machine. With `[sandbox] unix_sockets` set the user chose to allow sockets, and seccomp
 * cannot tell one socket path from another, so the filter is off and only the listed sockets are bound in.
 * Otherwise a missing binary or an unsupported CPU fails closed, saying what to do.
 */
export function resolveSocketFilter(allowedSockets: readonly string[], arch: string = process.arch): SocketFilter {
  if (allowedSockets.length > 0) return { allowed: allowedSockets };
  const vendorDir = VENDOR_DIRS[arch];
  if (vendorDir === undefined) {
    throw new SandboxUnavailableError(
      `Cannot block UNIX sockets in the sandbox: there is no seccomp filter for the ${arch} CPU (only x64 and arm64). ${TO_FIX}`,
    );
  }
  let packageDir: string;
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve("@anthropic-ai/sandbox-runtime/package.json"));
  } catch (error) {
    throw new SandboxUnavailableError(`Cannot block UNIX sockets in the sandbox: @anthropic-ai/sandbox-runtime is not installed. ${TO_FIX}`, { cause: error });
  }
  const binary = join(packageDir, "vendor", "seccomp", vendorDir, "apply-seccomp");
  if (!existsSync(binary)) {
    throw new SandboxUnavailableError(`Cannot block UNIX sockets in the sandbox: ${binary} is missing. ${TO_FIX}`);
  }
  return { binary, allowed: [] };
}

/**
 * bubblewrap arguments for the filter. It needs a user namespace of bwrap's own (`--unshare-user`, in the
 * policy) because it makes a nested one; as uid 0 the kernel lets that nested namespace map uid 0 only for a
 * creator holding CAP_SETFCAP, so that one capability is kept. Without the filter, bubblewrap itself
 * forbids new user namespaces.
 */
export function socketFilterBwrapArgs(filter: SocketFilter, euid: number | undefined = process.geteuid?.()): string[] {
  const args: string[] = [];
  for (const socket of filter.allowed) args.push("--ro-bind-try", socket, socket);
  if (filter.binary === undefined) return [...args, "--disable-userns"];
  args.push("--ro-bind", filter.binary, FILTER_IN_SANDBOX);
  // "1" would let the command create user namespaces; the caller's environment must not decide that.
  args.push("--setenv", "SRT_ALLOW_NESTED_USERNS", "0");
  if (euid === 0) args.push("--cap-add", "CAP_SETFCAP");
  return args;
}

/** The command's argv behind the filter: the filter is applied, then the command is exec'd. */
export function withSocketFilter(filter: SocketFilter, argv: readonly string[]): string[] {
  return filter.binary === undefined ? [...argv] : [FILTER_IN_SANDBOX, ...argv];
}
