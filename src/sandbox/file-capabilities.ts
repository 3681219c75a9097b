import { execFile } from "node:child_process";
import { lstat } from "node:fs/promises";
import { relative } from "node:path";
import { isInside } from "./command-request.js";

const TIMEOUT_MS = 30_000;

/**
 * As uid 0 the socket filter's nested user namespace maps the host's root, so a command there holds
 * CAP_SETFCAP over root's files: `setcap cap_sys_admin+ep ./tool` in the workspace would give whoever runs
 * `./tool` on the host, later, that capability. The kernel has no switch against it, so after each such
 * command the file capabilities in the workspace are found (`getcap -r`, which follows no symlink) and
 * removed. Returns one line per change or problem, for the command's output.
 */
export async function stripFileCapabilities(workspace: string): Promise<string[]> {
  let listing: string;
  try {
    listing = await run("getcap", ["-r", workspace]);
  } catch (error) {
    return [`could not check the workspace for file capabilities a command may have set (${describe(error)}); install libcap2-bin (getcap, setcap), or run Spark as a normal user`];
  }
  const notes: string[] = [];
  for (const line of listing.split("\n").filter((text) => text.trim() !== "")) {
    // "PATH CAPS"; a name with a newline in it splits into lines that name no file here.
    const match = /^(.*) (\S+)$/.exec(line);
    const path = match?.[1];
    if (path === undefined || !isInside(workspace, path) || !(await isFile(path))) {
      notes.push(`getcap reported file capabilities that could not be removed ("${line}"); check with \`getcap -r ${workspace}\``);
      continue;
    }
    try {
      await run("setcap", ["-r", path]);
      notes.push(`removed the file capabilities (${match?.[2] ?? ""}) the command set on ${relative(workspace, path)}: they would apply when the host runs it`);
    } catch (error) {
      notes.push(`could not remove the file capabilities of ${relative(workspace, path)} (${describe(error)})`);
    }
  }
  return notes;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(file, args, { timeout: TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, env: { PATH: `${process.env["PATH"] ?? "/usr/bin:/bin"}:/usr/sbin:/sbin` } }, (error, stdout) =>
      error ? fail(error) : done(stdout),
    );
  });
}

async function isFile(path: string): Promise<boolean> {
  return lstat(path).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split("\n")[0] ?? "" : String(error);
}
