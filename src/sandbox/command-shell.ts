import { existsSync } from "node:fs";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** bash where the host has it (models write bash), else POSIX sh. The sandbox sees the host's /bin. */
export function chooseShell(): string {
  return existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";
}

/**
 * argv that runs `command` with `shell -c`, with stderr joined to stdout. One pipe for both keeps
 * the true order of the lines (two pipes read by Node can reorder an error and the line before
 * it); the tiny /bin/sh wrapper does the join and then execs the real shell, so the command line
 * itself runs exactly as written.
 */
export function shellArgv(shell: string, command: string): [string, ...string[]] {
  return ["/bin/sh", "-c", 'exec "$@" 2>&1', "spark-shell", shell, "-c", command];
}

/**
 * The environment a command gets: only what tools need to work. The parent's environment is not
 * passed on, so API keys and tokens in it never reach a command the model chose.
 */
export function minimalEnv(home: string, extra: Readonly<Record<string, string>>): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? DEFAULT_PATH,
    HOME: home,
    LANG: process.env["LANG"] ?? "C.UTF-8",
    // Commands write to a pipe read by a model, not to a terminal: ask for plain output.
    TERM: "dumb",
    ...extra,
  };
}
