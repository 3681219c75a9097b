/**
 * `spark lsp` end to end: the built CLI spawned as an editor would, spoken to over stdio with
 * vscode-jsonrpc's client side and the protocol types of vscode-languageserver. The tiny GGUF model
 * (random weights) drives completions and cancellation; the scripted OpenAI-compatible server returns an
 * exact patch for the edit action, so the resulting WorkspaceEdit can be checked to the character.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CancellationTokenSource } from "vscode-jsonrpc/node";
import {
  CodeActionRequest,
  DidChangeTextDocumentNotification,
  ExecuteCommandRequest,
  InlineCompletionRequest,
  type InlineCompletionList,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { closeSessions, endOf, startServer } from "./support/lsp-session.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { fimTestModel } from "./support/fim-model.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

afterEach(closeSessions);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create("file:///x", "typescript", 1, text), edits);
}

describe("spark lsp with the tiny local model", () => {
  let model: string;
  beforeAll(async () => {
    model = `local:${await ensureTestModel()}`;
  });

  it("initializes, completes at the cursor, reports metrics, and serves typing-through from the cache", async () => {
    const lsp = await startServer(["-m", model], { initializationOptions: { debounceMs: 0, maxCompletionTokens: 24 } });
    expect(lsp.initialize.capabilities.inlineCompletionProvider).toBeTruthy();
    expect(lsp.initialize.capabilities.executeCommandProvider?.commands).toEqual(["spark.editSelection", "spark.toggleModel"]);
    await lsp.waitForLog(/fast model .* ready in \d+ ms \(chat prompt completions\)/);
    // The load was announced to the client: loading, then ready (what the extension's status bar shows).
    expect(lsp.statuses.map((status) => status.state)).toEqual(["loading", "ready"]);
    expect(lsp.statuses[1]).toMatchObject({ role: "fast", model: expect.stringContaining("tiny.gguf") });
    expect(lsp.statuses[1]?.loadMs).toBeGreaterThan(0);

    const uri = "file:///project/src/math.ts";
    const text = "export function add(a: number, b: number): number {\n  return a + b;\n}\n\nconst total = ";
    lsp.open(uri, text);
    const result = (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 2 } })) as InlineCompletionList;
    expect(result.items).toHaveLength(1);
    const suggestion = result.items[0]?.insertText as string;
    expect(typeof suggestion).toBe("string");
    expect(suggestion.trim().length).toBeGreaterThan(1);
    expect(result.items[0]?.range).toEqual({ start: endOf(text), end: endOf(text) });

    const [first] = await lsp.waitForMetrics(1);
    expect(first).toMatchObject({ kind: "completion", uri, role: "fast", mode: "chat", chars: suggestion.length });
    expect(["stop", "length"]).toContain(first?.finish);
    expect(first?.model).toContain("tiny.gguf");
    expect(first?.ttftMs).toBeGreaterThan(0);
    expect(first?.outputTokens).toBeGreaterThan(0);
    expect(lsp.logs.some((line) => /completion (stop|length) · .* first token [\d.]+ ms/.test(line))).toBe(true);

    // Type the suggestion's first two characters: the rest comes from the cache, with no model call.
    const typed = suggestion.slice(0, 2);
    await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: endOf(text), end: endOf(text) }, text: typed }],
    });
    const again = (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text + typed), context: { triggerKind: 1 } })) as InlineCompletionList;
    expect(again.items[0]?.insertText).toBe(suggestion.slice(2));
    const [, second] = await lsp.waitForMetrics(2);
    expect(second).toMatchObject({ mode: "cache", finish: "cached", outputTokens: 0 });
  });

  it("aborts the running generation at once on $/cancelRequest and on a new keystroke", async () => {
    // Long multi-line suggestions, so the generation is still running when the cancel arrives.
    const lsp = await startServer(["-m", model], { initializationOptions: { debounceMs: 0, maxCompletionTokens: 4000, maxLines: 100000 } });
    await lsp.waitForLog(/ready in/);
    const uri = "file:///project/notes.ts";
    const text = "// notes\n\n";
    lsp.open(uri, text);

    const cancel = new CancellationTokenSource();
    const request = lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 2 } }, cancel.token);
    await lsp.waitForLog(/completion started/);
    // Long enough for the first tokens on a busy machine; the 4,000-token generation runs far longer.
    await sleep(500);
    const cancelledAt = performance.now();
    cancel.cancel();
    await expect(request).rejects.toMatchObject({ code: -32800 });
    const [aborted] = await lsp.waitForMetrics(1);
    expect(performance.now() - cancelledAt).toBeLessThan(2_000);
    expect(aborted).toMatchObject({ kind: "completion", finish: "abort" });
    expect(aborted?.outputTokens).toBeGreaterThan(0);
    expect(aborted?.outputTokens).toBeLessThan(4000);

    // A keystroke in the document stops the running generation just the same.
    const pending = lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 2 } });
    await lsp.waitForLog(/completion started/, 2);
    await sleep(500);
    await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: endOf(text), end: endOf(text) }, text: "c" }],
    });
    const answer = (await pending) as InlineCompletionList;
    expect(answer.items).toEqual([]);
    const [, superseded] = await lsp.waitForMetrics(2);
    expect(superseded).toMatchObject({ kind: "completion", finish: "superseded" });
    expect(superseded?.outputTokens).toBeGreaterThan(0);
    expect(superseded?.outputTokens).toBeLessThan(4000);
  });

  it("fills in the middle natively when the model has FIM tokens, and re-evaluates only from the cursor on", async () => {
    const fimModel = await fimTestModel();
    const lsp = await startServer(["-m", `local:${fimModel}`], { initializationOptions: { debounceMs: 0, maxCompletionTokens: 16 } });
    await lsp.waitForLog(/ready in \d+ ms \(fill-in-the-middle tokens completions\)/);
    lsp.open("file:///project/src/util.ts", "export const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));\n");
    const uri = "file:///project/src/main.ts";
    const text = "import { clamp } from './util';\n\nconst level = clamp(;\nconsole.log(level);\n";
    lsp.open(uri, text);
    const cursor = { line: 2, character: "const level = clamp(".length };
    const first = (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: cursor, context: { triggerKind: 2 } })) as InlineCompletionList;
    expect(first.items).toHaveLength(1);
    // Line mode (text follows the cursor): one line at most.
    expect(first.items[0]?.insertText).not.toContain("\n");
    const [fim] = await lsp.waitForMetrics(1);
    expect(fim).toMatchObject({ mode: "fim", kind: "completion" });

    // A keystroke that leaves the suggestion: the model runs again, on the cached prompt up to the cursor.
    const typed = (first.items[0]?.insertText as string).startsWith("0") ? "1" : "0";
    await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ range: { start: cursor, end: cursor }, text: typed }] });
    await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: cursor.character + 1 }, context: { triggerKind: 1 } });
    const [, next] = await lsp.waitForMetrics(2);
    expect(next).toMatchObject({ mode: "fim" });
    expect(next?.promptTokensReused).toBeGreaterThan(20);
  });
});

describe("spark lsp against a scripted OpenAI-compatible server", () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("offers the code action, and the command returns a WorkspaceEdit that gives the exact expected text", async () => {
    const patch = [
      "src/greet.ts",
      "<<<<<<< SEARCH",
      "  return 'hello ' + name;",
      "=======",
      "  return `Hello, ${name}!`;",
      ">>>>>>> REPLACE",
      "",
    ].join("\n");
    server = await startScriptedServer([{ kind: "text", chunks: [patch.slice(0, 20), patch.slice(20, 60), patch.slice(60)] }]);
    const workspace = tempDir("spark-lsp-ws-");
    mkdirSync(join(workspace, "src"));
    // On disk the file is different: the edit must use the editor's text, not the disk's.
    writeFileSync(join(workspace, "src", "greet.ts"), "stale\n");
    const lsp = await startServer(["--base-url", server.url, "-m", "scripted-model"], { workspace });
    const uri = pathToFileURL(join(workspace, "src", "greet.ts")).href;
    const text = "export function greet(name: string): string {\n  return 'hello ' + name;\n}\n";
    lsp.open(uri, text);

    const range = { start: { line: 1, character: 0 }, end: { line: 2, character: 0 } };
    const actions = await lsp.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics: [] } });
    expect(actions?.[0]).toMatchObject({ title: "Spark: edit selection…", kind: "refactor.rewrite", command: { command: "spark.editSelection", arguments: [{ uri, range }] } });

    const result = (await lsp.connection.sendRequest(ExecuteCommandRequest.type, {
      command: "spark.editSelection",
      arguments: [{ uri, range, instruction: "use a template literal and capitalise the greeting" }],
    })) as { edit: WorkspaceEdit; applied: boolean; status: string };
    const expected = "export function greet(name: string): string {\n  return `Hello, ${name}!`;\n}\n";
    expect(result.status).toBe("applied");
    expect(result.applied).toBe(true);
    const documentEdit = result.edit.documentChanges?.[0];
    expect(documentEdit).toMatchObject({ textDocument: { uri, version: 1 } });
    expect(applyEdits(text, (documentEdit as { edits: TextEdit[] }).edits)).toBe(expected);
    // The same edit went to the client through workspace/applyEdit.
    expect(lsp.applyEdits[0]?.edit).toEqual(result.edit);

    const body = server.requests.find((request) => request.path === "/v1/chat/completions")?.body as { messages: { role: string; content: string }[] };
    const prompt = body.messages.map((message) => message.content).join("\n");
    expect(prompt).toContain("use a template literal and capitalise the greeting");
    expect(prompt).toContain("File src/greet.ts:");
    expect(prompt).toContain("Selected lines 2-2:\n```typescript\n  return 'hello ' + name;\n```");
    const metrics = await lsp.waitForMetrics(1);
    expect(metrics[0]).toMatchObject({ kind: "edit", mode: "patch", model: "scripted-model", chars: patch.length });
  });

  it("fills in the middle through /v1/completions with the text after the cursor as suffix", async () => {
    server = await startScriptedServer((request) =>
      request.path === "/v1/completions" ? { kind: "text", chunks: ["a + ", "b;"] } : { kind: "text", chunks: ["wrong"] },
    );
    const lsp = await startServer(["--base-url", server.url, "-m", "coder"], { initializationOptions: { debounceMs: 0 } });
    await lsp.waitForLog(/fast model coder ready in \d+ ms \(fill-in-the-middle/);
    const uri = "file:///project/src/add.ts";
    const before = "export function add(a: number, b: number): number {\n  return ";
    const after = "\n}\n\nconsole.log(add(1, 2));\n";
    lsp.open(uri, before + after);
    const result = (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(before), context: { triggerKind: 2 } })) as InlineCompletionList;
    expect(result.items[0]?.insertText).toBe("a + b;");
    const [metrics] = await lsp.waitForMetrics(1);
    expect(metrics).toMatchObject({ kind: "completion", mode: "fim", finish: "stop", model: "coder", chars: 6 });

    const completions = server.requests.filter((request) => request.path === "/v1/completions");
    expect(completions).toHaveLength(1);
    const body = completions[0]?.body as { model: string; prompt: string; suffix: string; stream: boolean; max_tokens: number };
    expect(body).toMatchObject({ model: "coder", stream: true });
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.prompt.endsWith(before)).toBe(true);
    expect(body.suffix.startsWith(after)).toBe(true);
    expect(server.requests.some((request) => request.path === "/v1/chat/completions")).toBe(false);
  });

  it("falls back to the chat prompt, for good, when the server has no /v1/completions", async () => {
    server = await startScriptedServer((request) =>
      request.path === "/v1/completions" ? { kind: "error", status: 404 } : { kind: "text", chunks: ["```typescript\n", "a * b;", "\n```"] },
    );
    const lsp = await startServer(["--base-url", server.url, "-m", "coder"], { initializationOptions: { debounceMs: 0 } });
    await lsp.waitForLog(/ready in/);
    const uri = "file:///project/src/mul.ts";
    const before = "export function mul(a: number, b: number): number {\n  return ";
    const after = "\n}\n";
    lsp.open(uri, before + after);
    const result = (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(before), context: { triggerKind: 2 } })) as InlineCompletionList;
    expect(result.items[0]?.insertText).toBe("a * b;");
    const [first] = await lsp.waitForMetrics(1);
    expect(first).toMatchObject({ kind: "completion", mode: "chat", finish: "stop" });

    // The next request goes straight to the chat prompt: /v1/completions is not asked again.
    await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ range: { start: endOf(before), end: endOf(before) }, text: "x" }],
    });
    await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(before + "x"), context: { triggerKind: 2 } });
    const [, second] = await lsp.waitForMetrics(2);
    expect(second).toMatchObject({ mode: "chat" });
    expect(server.requests.filter((request) => request.path === "/v1/completions")).toHaveLength(1);
    expect(server.requests.filter((request) => request.path === "/v1/chat/completions")).toHaveLength(2);
  });

  it("refuses an edit without an instruction and reports a patch that does not apply", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["x.ts\n<<<<<<< SEARCH\nnot in the file\n=======\nnew\n>>>>>>> REPLACE\n"] }]);
    const lsp = await startServer(["--base-url", server.url, "-m", "scripted-model"]);
    const uri = "file:///elsewhere/x.ts";
    lsp.open(uri, "const a = 1;\n");
    const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 12 } };
    await expect(lsp.connection.sendRequest(ExecuteCommandRequest.type, { command: "spark.editSelection", arguments: [{ uri, range }] })).rejects.toThrow(/needs an instruction/);
    await expect(lsp.connection.sendRequest(ExecuteCommandRequest.type, { command: "spark.editSelection", arguments: [{ uri, range, instruction: "rename a" }] })).rejects.toThrow(/did not apply/);
    expect(lsp.applyEdits).toEqual([]);
  });
});
