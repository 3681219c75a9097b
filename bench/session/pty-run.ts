import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { MARKER_PATTERN } from "./bench-text.js";

/**
 * Runs a command in a pseudo-terminal through util-linux `script` (no native module, no terminal
 * emulator in between) and watches the raw bytes the program writes to its terminal: when each marker
 * first appears, and when given text shows up. Keys are written to the terminal's input.
 */

export interface PtyRun {
  write(data: string): void;
  /** Resolves with the time (performance.now()) the text was first seen after this call; rejects after the timeout. */
  waitForText(text: string, timeoutMs: number): Promise<number>;
  markerSeenAt: Map<number, number>;
  bytes(): number;
  exited: Promise<number | null>;
  kill(): void;
}

// eslint-disable-next-line no-control-regex -- escape sequences are what is stripped
const ANSI = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007]*\u0007|\u001B[()][0-9A-Za-z]|\u001B[=>78]/g;
const SCAN_TAIL = 64 * 1024;

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export function startPtyRun(command: readonly string[], options: { cwd: string; env: Record<string, string>; columns: number; rows: number }): PtyRun {
  // The program runs in the terminal's own session, out of reach of a kill of script's group: its pid
  // (the shell's, kept by exec) is written down so that kill() can end it too.
  const pidFile = join(options.cwd, "pty-run.pid");
  const inner = `stty rows ${options.rows} cols ${options.columns}; echo $$ > ${shellQuote(pidFile)}; exec ${command.map(shellQuote).join(" ")}`;
  const child = spawn("script", ["-qfec", inner, "/dev/null"], { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "inherit"], detached: true });
  const decoder = new StringDecoder("utf8");
  const markerSeenAt = new Map<number, number>();
  let bytes = 0;
  let carry = "";
  let textTail = "";
  const waiters = new Set<{ text: string; resolve: (at: number) => void }>();
  child.stdout.on("data", (data: Buffer) => {
    const now = performance.now();
    bytes += data.length;
    const chunk = decoder.write(data);
    const scanned = carry + (chunk.length > SCAN_TAIL ? chunk.slice(-SCAN_TAIL) : chunk);
    for (const match of scanned.matchAll(MARKER_PATTERN)) {
      const n = Number(match[1]);
      if (!markerSeenAt.has(n)) markerSeenAt.set(n, now);
    }
    carry = scanned.slice(-16);
    if (waiters.size > 0) {
      textTail = (textTail + scanned.slice(-8192).replace(ANSI, "")).slice(-8192);
      for (const waiter of [...waiters]) {
        if (textTail.includes(waiter.text)) {
          waiters.delete(waiter);
          waiter.resolve(now);
        }
      }
    }
  });
  let running = true;
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (code) => {
      running = false;
      resolve(code);
    }),
  );
  return {
    write: (data) => void child.stdin.write(data),
    waitForText(text, timeoutMs) {
      textTail = "";
      return new Promise((resolve, reject) => {
        const waiter = {
          text,
          resolve: (at: number) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`"${text}" did not appear within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    markerSeenAt,
    bytes: () => bytes,
    exited,
    kill: () => {
      // Only while script runs: after it has ended its pids may belong to someone else.
      if (!running) return;
      const pids = [Number(existsSync(pidFile) ? readFileSync(pidFile, "utf8").trim() : Number.NaN), child.pid === undefined ? Number.NaN : -child.pid];
      for (const pid of pids.filter((candidate) => Number.isInteger(candidate) && candidate !== 0)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    },
  };
}
