/**
 * `spark lsp` from the first keystroke, end to end with the built CLI over stdio and the tiny GGUF model:
 * while the model loads, the server answers (a cheap request, the client's cancellations, and each
 * document's older inline-completion requests at once), says so with `spark/status`, and answers the
 * latest request with a real suggestion once the model is ready; and the process ends with its client.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CancellationTokenSource } from "vscode-jsonrpc/node";
import { CodeActionRequest, DidChangeTextDocumentNotification, InlineCompletionRequest, type InlineCompletionList } from "vscode-languageserver/node";
import { closeSessions, endOf, startServer, type Session } from "./support/lsp-session.js";
import { tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

afterEach(closeSessions);

/** Resolves with what `promise` gave, and whether the model was still loading when it did. */
async function settled<T>(lsp: Session, promise: Promise<T>): Promise<{ value?: T; error?: unknown; duringLoad: boolean }> {
  try {
    const value = await promise;
    return { value, duringLoad: !lsp.statuses.some((status) => status.state === "ready") };
  } catch (error) {
    return { error, duringLoad: !lsp.statuses.some((status) => status.state === "ready") };
  }
}

/** Bounded: rejects when the process is still running after `ms`. */
function exitWithin(lsp: Session, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return Promise.race([
    lsp.exited,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`spark lsp still running ${ms} ms after its client went away; stderr:\n${lsp.stderr()}`)), ms)),
  ]);
}

describe("spark lsp while the model loads", () => {
  let model: string;
  beforeAll(async () => {
    model = `local:${await ensureTestModel()}`;
  });

  it("answers at once what needs no model, drops stale requests, and completes the latest one when ready", async () => {
    const lsp = await startServer(["-m", model], { initializationOptions: { debounceMs: 60, maxCompletionTokens: 16 } });
    const loading = await lsp.waitForStatus("loading");
    expect(loading).toMatchObject({ role: "fast", model: expect.stringContaining("tiny.gguf") });
    expect(lsp.statuses.some((status) => status.state === "ready")).toBe(false);

    // The user opens a file and types right away: one request per keystroke, as VS Code sends them.
    const uri = "file:///project/src/first.ts";
    let text = "export const answer = ";
    lsp.open(uri, text);
    const ask = (): Promise<InlineCompletionList | null> =>
      lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 1 } }) as Promise<InlineCompletionList | null>;
    const type = async (typed: string, version: number): Promise<void> => {
      const at = endOf(text);
      text += typed;
      await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: typed }] });
    };
    const first = ask();
    await type("4", 2);
    const second = ask();
    // A request the client cancels itself (VS Code does, when the next keystroke comes).
    const cancel = new CancellationTokenSource();
    const cancelled = lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 1 } }, cancel.token);
    cancel.cancel();
    await type("2", 3);
    const latest = ask();
    // And a request that needs no model at all.
    const codeActions = lsp.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: endOf(text), end: endOf(text) }, context: { diagnostics: [] } });

    const [stale1, stale2, gone, actions] = await Promise.all([settled(lsp, first), settled(lsp, second), settled(lsp, cancelled), settled(lsp, codeActions)]);
    expect(actions.duringLoad).toBe(true);
    expect(actions.value?.[0]).toMatchObject({ title: "Spark: edit selection…" });
    expect(stale1).toEqual({ value: { items: [] }, duringLoad: true });
    expect(stale2).toEqual({ value: { items: [] }, duringLoad: true });
    expect(gone.duringLoad).toBe(true);
    expect(gone.error).toMatchObject({ code: -32800 });

    const answer = await settled(lsp, latest);
    expect(answer.duringLoad).toBe(false);
    const suggestion = answer.value?.items[0]?.insertText;
    expect(typeof suggestion).toBe("string");
    expect((suggestion as string).trim().length).toBeGreaterThan(0);
    expect(answer.value?.items[0]?.range).toEqual({ start: endOf(text), end: endOf(text) });
    // The model ran once, for the latest request: the stale ones never reached it.
    const [metrics] = await lsp.waitForMetrics(1);
    expect(metrics).toMatchObject({ kind: "completion", uri, chars: (suggestion as string).length });
    expect(lsp.logs.filter((line) => /completion started/.test(line))).toHaveLength(1);
    expect(lsp.statuses.map((status) => status.state)).toEqual(["loading", "ready"]);
  });

  it("says when the model cannot be loaded, and answers completions with nothing", async () => {
    const broken = join(tempDir("spark-lsp-broken-"), "broken.gguf");
    writeFileSync(broken, "this is not a GGUF file\n");
    const lsp = await startServer(["-m", `local:${broken}`], { initializationOptions: { debounceMs: 0 } });
    const failed = await lsp.waitForStatus("failed");
    expect(failed).toMatchObject({ role: "fast", model: expect.stringContaining("broken.gguf") });
    expect(failed.message).toMatch(/GGUF/);
    const uri = "file:///project/a.ts";
    lsp.open(uri, "const a = ");
    const result = await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 10 }, context: { triggerKind: 1 } });
    expect(result).toBeNull();
  });
});

describe("spark lsp ends with its client", () => {
  let model: string;
  beforeAll(async () => {
    model = `local:${await ensureTestModel()}`;
  });

  it("exits when its stdin closes, even while the model loads", async () => {
    const lsp = await startServer(["-m", model]);
    await lsp.waitForStatus("loading");
    lsp.child.stdin.end();
    const exit = await exitWithin(lsp, 15_000);
    expect(exit.signal).toBeNull();
  });

  it("exits when the client process named in initialize is gone", async () => {
    // The "editor": a process the server is told about, then killed; stdin stays open.
    const editor = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    const editorExited = new Promise<void>((resolve) => editor.once("exit", () => resolve()));
    try {
      const lsp = await startServer(["-m", model], { processId: editor.pid ?? null });
      await lsp.waitForStatus("ready");
      editor.kill("SIGKILL");
      await editorExited;
      // vscode-languageserver looks for the client process every 3 seconds.
      const exit = await exitWithin(lsp, 15_000);
      expect(exit.signal).toBeNull();
      expect(lsp.child.stdin.writableEnded).toBe(false);
    } finally {
      editor.kill("SIGKILL");
    }
  });
});
