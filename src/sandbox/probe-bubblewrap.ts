import { spawn } from "node:child_process";
import { bwrapPolicyArgs } from "./bubblewrap-args.js";
import { chooseShell, minimalEnv } from "./command-shell.js";
import type { HostLayout } from "./host-layout.js";
import { SandboxUnavailableError } from "./sandbox-errors.js";
import { socketFilterBwrapArgs, withSocketFilter, type SocketFilter } from "./unix-socket-filter.js";

const PROBE_TIMEOUT_MS = 10_000;

const FALLBACK =
  "or run with `--approval suggest` or `--approval auto-edit`, so that each command is shown to you " +
  "for approval and then runs without the sandbox.";

/**
 * Starts one empty sandbox with the real policy, so that every reason it could fail (bwrap
 * missing, user namespaces denied, a mount the kernel refuses) is found once, up front, with
 * bwrap's own words, rather than on the agent's first command.
 */
export async function probeBubblewrap(bwrapPath: string, layout: HostLayout, filter: SocketFilter): Promise<void> {
  const argv = [...bwrapPolicyArgs(layout, false), ...socketFilterBwrapArgs(filter), "--", ...withSocketFilter(filter, [chooseShell(), "-c", ":"])];
  const outcome = await runProbe(bwrapPath, argv);
  if (outcome.kind === "ok") return;
  throw new SandboxUnavailableError(describeFailure(bwrapPath, outcome), {
    ...(outcome.kind === "spawn-failed" ? { cause: outcome.error } : {}),
  });
}

type ProbeOutcome =
  | { kind: "ok" }
  | { kind: "spawn-failed"; error: NodeJS.ErrnoException }
  | { kind: "failed"; exitCode: number | null; stderr: string }
  | { kind: "hung" };

function runProbe(bwrapPath: string, argv: string[]): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const child = spawn(bwrapPath, argv, { env: minimalEnv("/", {}), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve({ kind: "hung" });
    }, PROBE_TIMEOUT_MS);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ kind: "spawn-failed", error });
    });
    child.once("close", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode === 0 ? { kind: "ok" } : { kind: "failed", exitCode, stderr: stderr.trim() });
    });
  });
}

function describeFailure(bwrapPath: string, outcome: Exclude<ProbeOutcome, { kind: "ok" }>): string {
  const head = "Cannot run commands in the sandbox (full-auto needs it): ";
  switch (outcome.kind) {
    case "spawn-failed":
      if (outcome.error.code === "ENOENT") {
        return (
          `${head}bubblewrap is not installed (\`${bwrapPath}\` was not found).\n` +
          `To fix: install it (\`sudo apt-get install bubblewrap\`, or your distribution's bubblewrap package), ${FALLBACK}`
        );
      }
      return `${head}\`${bwrapPath}\` could not be started: ${outcome.error.message}.\nTo fix: check that bubblewrap is installed and executable, ${FALLBACK}`;
    case "hung":
      return `${head}\`${bwrapPath}\` did not finish a test run within ${PROBE_TIMEOUT_MS / 1000} s.\nTo fix: check that bubblewrap works on this machine, ${FALLBACK}`;
    case "failed":
      return (
        `${head}bubblewrap could not create the sandbox (exit code ${outcome.exitCode}): ` +
        `${outcome.stderr === "" ? "(no message)" : outcome.stderr}\n` +
        (outcome.stderr.includes("apply-seccomp")
          ? "The UNIX socket filter (apply-seccomp) could not start: run as uid 0, Spark needs CAP_SETFCAP in its " +
            "capability bounding set; or list the sockets commands need in `[sandbox] unix_sockets` to turn the filter off.\n"
          : "") +
        `This usually means unprivileged user namespaces are disabled or restricted here (inside a container, ` +
        `or by a kernel or AppArmor setting).\n` +
        `To fix: enable unprivileged user namespaces (\`sudo sysctl -w kernel.unprivileged_userns_clone=1\`, ` +
        `\`sudo sysctl -w user.max_user_namespaces=15000\`; on Ubuntu 23.10+ also ` +
        `\`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\` or an AppArmor profile for bwrap), ` +
        `allow them in the container, ${FALLBACK}`
      );
  }
}
