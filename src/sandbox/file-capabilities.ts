import { execFile } from "node:child_process";

const TIMEOUT_MS = 120_000;

/**
 * Per regular file, in sh so each name reaches getcap and setcap byte for byte (a name may hold a newline,
 * or not be UTF-8): a file that still has capabilities after `setcap -r` is made unusable (chmod 000), or
 * deleted. One NUL-terminated record per file that had any: a letter, then the workspace-relative name.
 */
const SWEEP = `for f; do
  [ -n "$(getcap "$f" 2>/dev/null)" ] || continue
  if setcap -r "$f" 2>/dev/null && [ -z "$(getcap "$f" 2>/dev/null)" ]; then r=R
  elif chmod 000 "$f" 2>/dev/null; then r=C
  elif rm -f "$f" 2>/dev/null; then r=D
  else r=X; fi
  printf '%s%s\\0' "$r" "\${f#"$W"/}"
done`;

const OUTCOMES: Record<string, string> = {
  R: "removed the file capabilities the command set on",
  C: "could not remove the file capabilities, so made unusable (chmod 000)",
  D: "could not remove the file capabilities or chmod, so deleted",
  X: "COULD NOT remove the file capabilities, chmod or delete; remove it yourself:",
};

/**
 * As uid 0 the socket filter's nested user namespace maps the host's root, so a command there holds
 * CAP_SETFCAP over root's files: `setcap cap_sys_admin+ep ./tool` in the workspace would give whoever runs
 * `./tool` on the host, later, that capability. The kernel has no switch against it, so after each such
 * command the file capabilities in the workspace are removed. `getcap -r` (one process, follows no symlink)
 * says whether there are any; its line-per-file listing cannot name a file whose name holds a newline, so
 * only then does a NUL-safe sweep check each regular file. Returns one line per change or problem.
 */
export async function stripFileCapabilities(workspace: string): Promise<string[]> {
  try {
    if ((await run("getcap", ["-r", workspace])).trim() === "") return [];
  } catch (error) {
    return [`could not check the workspace for file capabilities a command may have set (${describe(error)}); install libcap2-bin (getcap, setcap), or run Spark as a normal user`];
  }
  let records: string;
  try {
    records = await run("find", [workspace, "-xdev", "-type", "f", "-exec", "sh", "-c", SWEEP, "sh", "{}", "+"], { W: workspace });
  } catch (error) {
    return [`FAILED to remove the file capabilities a command set in the workspace (${describe(error)}); check with \`getcap -r ${workspace}\``];
  }
  return records
    .split("\0")
    .filter((record) => record !== "")
    .map((record) => `${OUTCOMES[record[0] ?? "X"] ?? OUTCOMES["X"]} ${JSON.stringify(record.slice(1))}: they would apply when the host runs it`);
}

function run(file: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((done, fail) => {
    const env = { PATH: `${process.env["PATH"] ?? "/usr/bin:/bin"}:/usr/sbin:/sbin`, ...extraEnv };
    execFile(file, args, { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env }, (error, stdout) => (error ? fail(error) : done(stdout)));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error);
}
