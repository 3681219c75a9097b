/**
 * What the extension tells the user when something fails, decided without VS Code (so it is tested in
 * plain Node): one message in the user's words, with what to do and, where a setting fixes it, which.
 */

/** JSON-RPC codes the client sees: the user's own cancel, and the server's cancel. */
const requestCancelled = -32800;
const serverCancelled = -32802;

export interface UserMessage {
  text: string;
  /** The setting that fixes it, offered as "Open Settings". */
  setting?: string;
  /** Offer "Show Log": the details are there. */
  log: boolean;
}

/** A failed request as vscode-languageclient rejects it: a ResponseError (code, message) or a plain Error. */
function failureOf(error: unknown): { code: number | undefined; message: string } {
  if (typeof error === "object" && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { code: typeof code === "number" ? code : undefined, message: typeof message === "string" ? message : String(error) };
  }
  return { code: undefined, message: String(error) };
}

/** The first sentence (or line) of a server message, at most `max` characters. */
export function firstSentence(message: string, max = 200): string {
  const line = message.trim().split("\n")[0] ?? "";
  const end = line.search(/\.(\s|$)/);
  const sentence = end >= 0 ? line.slice(0, end + 1) : line;
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence;
}

/** The edit's failure for the user; undefined when there is nothing to say (the edit was cancelled). */
export function editFailureMessage(error: unknown): UserMessage | undefined {
  const { code, message } = failureOf(error);
  if (code === requestCancelled || code === serverCancelled || /^The edit was cancelled/.test(message)) return undefined;
  if (code === undefined || /not running|connection (got )?disposed|connection is closed|stopped/i.test(message)) {
    return { text: "Spark could not edit the selection: its language server is not running. Run \"Spark: Restart Language Server\"; the log says why it stopped.", log: true };
  }
  const what = firstSentence(message);
  if (/needs an instruction/.test(message)) return { text: "Spark: say what should change in the selection.", log: false };
  if (/is not open in the editor/.test(message)) return { text: "Spark could not edit: open the file and select the code to change first.", log: false };
  if (/did not apply|not a usable patch/.test(message)) {
    return { text: `Spark could not edit the selection: ${what} Try again, or select more of the code around the change; the model's answer is in the log.`, log: true };
  }
  if (/model call failed|cannot be used|No (fast|review) model/i.test(message)) {
    return { text: `Spark could not edit the selection: ${what} Check that the model can be reached (settings spark.model and spark.serverUrl).`, setting: "spark.model", log: true };
  }
  return { text: `Spark could not edit the selection: ${what} The log has the details.`, log: true };
}

/** How the server process ended before it was ready. */
export interface StartFailure {
  command: string;
  args: readonly string[];
  /** spawn's own error (the executable is missing or not executable). */
  spawnError?: { code?: string | undefined; message: string } | undefined;
  exitCode?: number | null | undefined;
  signal?: string | null | undefined;
  /** The process's standard error, or its last part. */
  stderr: string;
}

/** The last lines of stderr that say something (no stack frames), at most `max` characters. */
export function lastWords(stderr: string, max = 300): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !/^at\s/.test(line) && !/^Node\.js v\d/.test(line) && !/^\^+$/.test(line));
  const text = lines.slice(-2).join(" ");
  return text.length > max ? `…${text.slice(-(max - 1))}` : text;
}

/** Why `spark lsp` did not start, once, with the setting that fixes it. */
export function startFailureMessage(failure: StartFailure): UserMessage {
  const script = failure.args[0] !== undefined && /\.[cm]?js$/.test(failure.args[0]) ? [failure.args[0]] : [];
  const shown = [failure.command, ...script].join(" ");
  const pathFix = "Set spark.path to the spark executable (`npm install -g` the Spark package) or to bin/spark.js in a built clone.";
  if (failure.spawnError) {
    const reason = failure.spawnError.code === "ENOENT" ? "was not found" : failure.spawnError.code === "EACCES" ? "is not executable" : `failed: ${failure.spawnError.message}`;
    return { text: `Spark could not start its language server: \`${shown}\` ${reason}. ${pathFix}`, setting: "spark.path", log: false };
  }
  const stderr = failure.stderr;
  const node = /Spark needs Node\.js [^\n]*/.exec(stderr);
  if (node) return { text: `Spark could not start its language server: ${node[0].trim()} Install a newer Node.js, or set spark.path to a spark installed with one.`, setting: "spark.path", log: true };
  if (/Cannot find (module|package) '[^']*dist[\\/]cli[\\/]main\.js'|Spark is not built/.test(stderr)) {
    return { text: `Spark could not start its language server: \`${shown}\` is a clone that is not built. Run \`npm install\` and \`npm run build\` in it, or set spark.path to an installed spark.`, setting: "spark.path", log: true };
  }
  // Spark's own errors are one line, "spark: …", that says what to do; about a model, the settings fix it.
  const own = stderr.split("\n").filter((line) => line.startsWith("spark: ")).at(-1)?.slice("spark: ".length).trim();
  if (own) {
    const model = /model|provider|base-url|GGUF/i.test(own);
    return {
      text: `Spark could not start its language server: ${own}${model ? " Check the settings spark.model, spark.reviewModel and spark.serverUrl." : ""}`,
      setting: model ? "spark.model" : "spark.path",
      log: true,
    };
  }
  const said = lastWords(stderr);
  const how = failure.signal ? `was stopped by ${failure.signal}` : `exited${failure.exitCode == null ? "" : ` with code ${failure.exitCode}`}`;
  return { text: `Spark could not start its language server: \`${shown}\` ${how}${said ? `: ${said}` : "."} ${pathFix}`, setting: "spark.path", log: true };
}
