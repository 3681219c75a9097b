import { spawn } from "node:child_process";

/** A scan that takes longer is cut off and reported incomplete; ~50k files take well under a second. */
export const SCAN_TIMEOUT_MS = 120_000;
/** More listing than this (millions of files) is cut off too, rather than held in memory. */
const SCAN_MAX_BYTES = 512 * 1024 * 1024;

/** One entry of the workspace, as `find -printf '%y %m %P'` describes it. */
export interface ScannedEntry {
  /** find's type letter: f (file), d (directory), l (symlink), and so on. */
  type: string;
  /** Permission bits, setuid and setgid included. */
  mode: number;
  /** Workspace-relative, "/"-separated, "" for the workspace itself; for matching and messages. */
  rel: string;
  /** The exact absolute path, as bytes: a name that is not UTF-8 still reaches its file. */
  path: Buffer;
  /** Whether `rel` spells the path exactly (a name that is not UTF-8 cannot be passed as an argument). */
  utf8: boolean;
}

export interface WorkspaceScan {
  entries: ScannedEntry[];
  /** Why the scan stopped short, when it did: then `entries` holds only what was listed so far. */
  incomplete?: string;
}

/**
 * Every entry of the workspace, with no depth or count limit (a repository planted ten folders down, inside
 * node_modules or behind 100,000 files is still seen), by one native `find`: it stays on the workspace's file
 * system (-xdev), follows no symlink, separates names with NUL (a name may hold a newline), and does not
 * descend into `.git` directories (any spelling git would accept), which are listed but never walked.
 */
export function scanWorkspace(workspace: string): Promise<WorkspaceScan> {
  const args = [workspace, "-xdev", "-regextype", "posix-extended", "-printf", "%y %m %P\\0", "-iregex", ".*/\\.git[. ]*", "-prune"];
  return new Promise((done) => {
    const child = spawn("find", args, { stdio: ["ignore", "pipe", "pipe"], env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", LC_ALL: "C" } });
    const chunks: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let cutOff: string | undefined;
    const stop = (why: string) => {
      cutOff ??= why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => stop(`it took longer than ${SCAN_TIMEOUT_MS / 1000} s`), SCAN_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > SCAN_MAX_BYTES) stop(`the listing passed ${SCAN_MAX_BYTES / 1024 / 1024} MiB`);
      else chunks.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < 2_000) stderr += chunk.toString();
    });
    const finish = (problem: string | undefined) => {
      clearTimeout(timer);
      const entries = parseListing(workspace, Buffer.concat(chunks));
      done(problem === undefined ? { entries } : { entries, incomplete: problem });
    };
    child.on("error", (error) => finish(`find could not run (${error.message})`));
    child.on("close", (code) => {
      if (cutOff !== undefined) finish(cutOff);
      // A folder find may not read hides what is in it: as incomplete as a timeout.
      else if (code !== 0) finish(`find exited with ${code}: ${stderr.trim().split("\n")[0] ?? ""}`);
      else finish(undefined);
    });
  });
}

/**
 * NUL-terminated records; a last one without its NUL (find was killed mid-name) is dropped. Read as latin1,
 * which maps each byte to one character and back, so the bytes of every name survive.
 */
function parseListing(workspace: string, listing: Buffer): ScannedEntry[] {
  const records = listing.toString("latin1").split("\0");
  records.pop();
  const root = Buffer.from(workspace);
  const entries: ScannedEntry[] = [];
  for (const record of records) {
    const first = record.indexOf(" ");
    const second = record.indexOf(" ", first + 1);
    if (first < 0 || second < 0) continue;
    const bytes = Buffer.from(record.slice(second + 1), "latin1");
    const rel = bytes.toString("utf8");
    const path = bytes.length === 0 ? root : Buffer.concat([root, Buffer.from("/"), bytes]);
    entries.push({ type: record.slice(0, first), mode: Number.parseInt(record.slice(first + 1, second), 8), rel, path, utf8: Buffer.from(rel).equals(bytes) });
  }
  return entries;
}
