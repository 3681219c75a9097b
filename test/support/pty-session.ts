/**
 * Drives the real `spark` binary in a pseudo-terminal, through tmux: a private tmux server (its own
 * socket, config and clean environment) runs the command in a pane of a fixed size; tests type into it
 * and read the screen as a user sees it (`capture-pane`, scrollback included). tmux comes from apt
 * (`.ci/run` installs it); without it the tests that need it skip, saying why.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sparkBin, tempDir } from "./run-spark.js";

export function tmuxInstalled(): boolean {
  return spawnSync("tmux", ["-V"], { stdio: "ignore" }).status === 0;
}

export const tmuxMissing = "tmux is not installed (apt-get install tmux; .ci/run installs it)";

export interface PtyOptions {
  cwd: string;
  /** Added to a clean environment (PATH, HOME, TERM). */
  env?: Record<string, string>;
  columns?: number;
  rows?: number;
}

export interface PtySession {
  /** The screen and its scrollback, wrapped lines joined. */
  screen(): string;
  /** Only what is on the screen now (no scrollback). */
  visible(): string;
  /** Waits until the screen (with scrollback) matches; returns it. Fails with the screen in the message. */
  waitFor(pattern: string | RegExp | ((screen: string) => boolean), timeoutMs?: number): Promise<string>;
  /** Types text literally. */
  type(text: string): void;
  /** Presses named keys: Enter, Escape, Tab, C-c, Up… */
  press(...keys: string[]): void;
  /** Resolves with the exit code once the program has ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  close(): void;
}

const shellQuote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
const EXIT_MARK = "__spark_exited_";

/** Starts `spark ARGS` in a fresh tmux server; the pane stays after the program ends, to read its exit code. */
export function startSparkInPty(args: string[], options: PtyOptions): PtySession {
  const dir = tempDir("spark-pty-");
  const socket = join(dir, "tmux.sock");
  const config = join(dir, "tmux.conf");
  writeFileSync(config, "set -g history-limit 100000\nset -g escape-time 0\nset -g status off\n");
  const env = { PATH: process.env.PATH ?? "", HOME: options.env?.HOME ?? dir, TERM: "xterm-256color" };
  const tmux = (...tmuxArgs: string[]): string => execFileSync("tmux", ["-S", socket, "-f", config, ...tmuxArgs], { env, encoding: "utf8" });
  const assignments = Object.entries({ ...env, ...options.env }).map(([key, value]) => `${key}=${shellQuote(value)}`);
  const command = `env -i ${assignments.join(" ")} ${shellQuote(process.execPath)} ${shellQuote(sparkBin)} ${args.map(shellQuote).join(" ")}; echo "${EXIT_MARK}$?"; sleep 3600`;
  tmux("new-session", "-d", "-x", String(options.columns ?? 120), "-y", String(options.rows ?? 40), "-c", options.cwd, command);

  const screen = () => tmux("capture-pane", "-p", "-J", "-S", "-100000");
  const session: PtySession = {
    screen,
    visible: () => tmux("capture-pane", "-p", "-J"),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        if (typeof pattern === "string" ? text.includes(pattern) : pattern instanceof RegExp ? pattern.test(text) : pattern(text)) return text;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${String(pattern)} within ${timeoutMs} ms; it shows:\n${text.trimEnd()}`);
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    },
    type: (text) => void tmux("send-keys", "-l", text),
    press: (...keys) => void tmux("send-keys", ...keys),
    async exitCode(timeoutMs = 20_000) {
      const text = await session.waitFor(new RegExp(`${EXIT_MARK}\\d+`), timeoutMs);
      return Number(new RegExp(`${EXIT_MARK}(\\d+)`).exec(text)?.[1]);
    },
    close() {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
    },
  };
  return session;
}
