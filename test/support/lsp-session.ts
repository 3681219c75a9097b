/**
 * A `spark lsp` session for end-to-end tests: the built CLI spawned as an editor would, spoken to over
 * stdio with vscode-jsonrpc's client side and the protocol types of vscode-languageserver.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from "vscode-jsonrpc/node";
import {
  ApplyWorkspaceEditRequest,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  ShutdownRequest,
  type ApplyWorkspaceEditParams,
  type InitializeResult,
} from "vscode-languageserver/node";
import { sparkBin, tempDir } from "./run-spark.js";

export interface Status {
  state: "loading" | "ready" | "failed";
  role: string;
  model: string;
  loadMs?: number;
  message?: string;
}

export interface StartOptions {
  initializationOptions?: object;
  workspace?: string;
  /** initialize's processId: the client process the server watches; null for none. Default: this process. */
  processId?: number | null;
  /** Added to the server's clean environment (e.g. SPARK_THREADS). */
  env?: Record<string, string>;
  /** The server's HOME (its Spark home and KV cache under it); default: a fresh temp dir. */
  home?: string;
}

export interface Metrics {
  kind: string;
  uri: string;
  model: string;
  role: string;
  mode: string;
  finish: string;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  outputTokens: number;
  promptTokensReused: number;
  totalMs: number;
  chars: number;
}

export interface Session {
  connection: MessageConnection;
  child: ChildProcessWithoutNullStreams;
  /** Resolves when the server process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logs: string[];
  metrics: Metrics[];
  /** The `spark/status` notifications, in order. */
  statuses: Status[];
  applyEdits: ApplyWorkspaceEditParams[];
  initialize: InitializeResult;
  stderr: () => string;
  /** Resolves with the `nth` (1-based, default 1) log line, now or later, that matches. */
  waitForLog(pattern: RegExp, nth?: number, timeoutMs?: number): Promise<string>;
  waitForMetrics(count: number, timeoutMs?: number): Promise<Metrics[]>;
  /** Resolves with the first `spark/status` notification of that state, now or later. */
  waitForStatus(state: Status["state"], timeoutMs?: number): Promise<Status>;
  open(uri: string, text: string, languageId?: string): void;
  close(): Promise<void>;
}

const sessions: Session[] = [];

/**
 * Starts the built `spark lsp` as an editor does (stdio pipes, a temp HOME), sends initialize and
 * initialized, and collects what the server says. `processId` is the client process the server watches
 * (default: this test process).
 */
export async function startServer(args: string[], options: StartOptions = {}): Promise<Session> {
  const home = options.home ?? tempDir("spark-lsp-home-");
  const child = spawn(process.execPath, [sparkBin, "lsp", "--stdio", ...args], {
    cwd: options.workspace ?? tempDir("spark-lsp-cwd-"),
    env: { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark"), ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const logs: string[] = [];
  const metrics: Metrics[] = [];
  const statuses: Status[] = [];
  const applyEdits: ApplyWorkspaceEditParams[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((check) => check());
  connection.onNotification(LogMessageNotification.type, (params) => {
    logs.push(params.message);
    wake();
  });
  connection.onNotification("spark/metrics", (params: Metrics) => {
    metrics.push(params);
    wake();
  });
  connection.onNotification("spark/status", (params: Status) => {
    statuses.push(params);
    wake();
  });
  connection.onRequest(ApplyWorkspaceEditRequest.type, (params) => {
    applyEdits.push(params);
    return { applied: true };
  });
  connection.listen();
  const waitFor = <T>(probe: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; logs:\n${logs.join("\n")}\nstderr:\n${stderr}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const workspaceUri = options.workspace ? pathToFileURL(options.workspace).href : null;
  const initialize = await connection.sendRequest(InitializeRequest.type, {
    processId: options.processId === undefined ? process.pid : options.processId,
    rootUri: workspaceUri,
    workspaceFolders: workspaceUri ? [{ uri: workspaceUri, name: "workspace" }] : null,
    capabilities: { workspace: { applyEdit: true, workspaceEdit: { documentChanges: true } }, textDocument: { inlineCompletion: { dynamicRegistration: false } } },
    ...(options.initializationOptions ? { initializationOptions: options.initializationOptions } : {}),
  });
  await connection.sendNotification(InitializedNotification.type, {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const session: Session = {
    connection,
    child,
    exited,
    logs,
    metrics,
    statuses,
    applyEdits,
    initialize,
    stderr: () => stderr,
    waitForLog: (pattern, nth = 1, timeoutMs = 15_000) => waitFor(() => logs.filter((line) => pattern.test(line))[nth - 1], `log line ${nth} matching ${pattern}`, timeoutMs),
    waitForStatus: (state, timeoutMs = 30_000) => waitFor(() => statuses.find((status) => status.state === state), `a spark/status "${state}" notification`, timeoutMs),
    waitForMetrics: (count, timeoutMs = 15_000) => waitFor(() => (metrics.length >= count ? metrics.slice(0, count) : undefined), `${count} metrics notifications`, timeoutMs),
    open: (uri, text, languageId = "typescript") => void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version: 1, text } }),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
        await connection.sendNotification(ExitNotification.type).catch(() => undefined);
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      connection.dispose();
    },
  };
  sessions.push(session);
  return session;
}

/** Ends every session started since the last call (for afterEach); SPARK_LSP_DEBUG=1 prints what they said. */
export async function closeSessions(): Promise<void> {
  if (process.env.SPARK_LSP_DEBUG) for (const session of sessions) console.log(session.logs.join("\n"), JSON.stringify(session.metrics, null, 1), JSON.stringify(session.statuses), session.stderr());
  await Promise.all(sessions.splice(0).map((session) => session.close()));
}

export function endOf(text: string): { line: number; character: number } {
  const lines = text.split("\n");
  return { line: lines.length - 1, character: (lines.at(-1) ?? "").length };
}

