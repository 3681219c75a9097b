/**
 * The VS Code extension inside a real VS Code: code-server 4.139.1 (VS Code 1.139.1) on Node 24, both
 * installed by scripts/install-interop.sh into .interop/, with the packaged .vsix installed, a workspace
 * opened with autosave, telemetry, update checks, workspace trust and the marketplace off, driven by
 * headless Chromium. The extension starts the built `spark lsp` (bin/spark.js, with the tests' Node) on the
 * tiny GGUF model. Checked: activation and the status bar, a ghost-text suggestion, one for text typed
 * while the model was loading (after "Spark: Restart Language Server"), and Edit Selection reaching the
 * server (the random-weights model's answer is no patch: the server's reason comes back as one message).
 * Every wait is bounded; code-server's whole process group is stopped afterwards.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_PATH, launchChromium, screenshot } from "./support/browser.js";
import { codeServerEntry, node24, openWorkspace, startCodeServer, type CodeServer } from "./support/code-server.js";
import { requireInterop } from "./support/interop-clients.js";
import { sparkBin, tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const installed = requireInterop("VS Code (code-server 4.139.1)", [node24, codeServerEntry, CHROMIUM_PATH]);

const extensionDir = join(dirname(sparkBin), "..", "extensions", "vscode");
const version = (JSON.parse(readFileSync(join(extensionDir, "package.json"), "utf8")) as { version: string }).version;
const vsix = join(extensionDir, `spark-vscode-${version}.vsix`);

const statusItem = (page: Page) => page.locator("#workbench\\.parts\\.statusbar .statusbar-item", { hasText: "Spark" });
const ghostText = (page: Page) => page.locator(".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text");

async function statusText(page: Page): Promise<string> {
  return ((await statusItem(page).first().textContent({ timeout: 5_000 }).catch(() => "")) ?? "").trim();
}

/** Polls the status bar until `pattern` matches (bounded), and returns its text. */
async function waitForStatus(page: Page, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = await statusText(page);
    if (pattern.test(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`the status bar never matched ${pattern} within ${timeoutMs} ms (last: "${text}")`);
}

/** Runs a command by its title through the command palette. */
async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press("F1");
  const input = page.locator(".quick-input-widget input");
  await input.waitFor({ state: "visible", timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator(".quick-input-widget .quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

describe.runIf(installed)("the Spark extension in VS Code 1.139 (code-server 4.139.1)", () => {
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const workspace = tempDir("spark-vscode-workspace-");

  beforeAll(async () => {
    // The .vsix of this checkout, packaged as CI packages it (never a stale one from an earlier build).
    await promisify(execFile)("npm", ["--prefix", extensionDir, "run", "package"], { timeout: 300_000 });
    const model = await ensureTestModel();
    mkdirSync(join(workspace, "src"));
    writeFileSync(join(workspace, "src", "main.ts"), "export function add(a: number, b: number): number {\n  return a + b;\n}\n\n");
    server = await startCodeServer({
      extensions: [vsix],
      machineSettings: { "spark.path": sparkBin },
      settings: {
        "spark.model": `local:${model}`,
        "spark.debounceMs": 30,
        "spark.maxCompletionTokens": 12,
        "editor.inlineSuggest.enabled": true,
      },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openWorkspace(page, server, workspace);
  }, 600_000);

  afterAll(async () => {
    if (page) await screenshot(page, "vscode-last").catch(() => undefined);
    await browser?.close();
    await server?.stop();
  }, 60_000);

  it("activates, and the status bar shows the model once it is loaded", async () => {
    const ready = await waitForStatus(page, /Spark fast: tiny\.gguf/, 120_000);
    expect(ready).toMatch(/Spark fast: tiny\.gguf/);
  }, 150_000);

  it("shows a ghost-text suggestion as the user types", async () => {
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget input");
    await input.waitFor({ state: "visible", timeout: 15_000 });
    await input.fill("main.ts");
    await page.locator(".quick-input-widget .monaco-list-row", { hasText: "main.ts" }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press("Enter");
    await page.locator(".monaco-editor .view-lines").first().waitFor({ timeout: 30_000 });
    await page.locator(".monaco-editor .view-lines").first().click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("export const total = ", { delay: 40 });
    await ghostText(page).first().waitFor({ state: "attached", timeout: 60_000 });
    const suggested = await ghostText(page).first().textContent();
    expect(suggested?.length ?? 0).toBeGreaterThan(0);
    // The status bar now shows the speed of the last suggestion.
    expect(await waitForStatus(page, /tok\/s/, 30_000)).toMatch(/Spark fast: tiny\.gguf · [\d,]+ tok\/s · \d+ ms/);
    await page.keyboard.press("Escape");
  }, 150_000);

  it("suggests for text typed while the model was loading", async () => {
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await runCommand(page, "Spark: Restart Language Server");
    // The new server is up and loading its model (seconds, even for the tiny one): the user types now.
    await waitForStatus(page, /loading model/, 60_000);
    await page.keyboard.type("const scaled = add(");
    expect(await statusText(page)).toMatch(/loading model/);
    // No further keystroke: the request for the typed text is answered once the model is ready.
    await ghostText(page).first().waitFor({ state: "attached", timeout: 90_000 });
    expect(await statusText(page)).toMatch(/Spark fast: tiny\.gguf · [\d,]+ tok\/s/);
    await page.keyboard.press("Escape");
  }, 150_000);

  it("Edit Selection reaches the server and reports its answer once", async () => {
    await page.keyboard.press("Control+Home");
    await page.keyboard.press("Shift+End");
    await runCommand(page, "Spark: Edit Selection…");
    // The extension's input box asks for the instruction (focused: typing goes into it).
    await page.locator(".quick-input-widget", { hasText: "What should change in the selection?" }).waitFor({ state: "visible", timeout: 15_000 });
    await page.keyboard.type("rename add to sum");
    await page.keyboard.press("Enter");
    // The random-weights model writes no patch: the server's reason comes back, in the user's words.
    const toast = page.locator(".notifications-toasts .notification-toast", { hasText: "Spark could not edit the selection" });
    await toast.first().waitFor({ timeout: 120_000 });
    expect(await toast.first().textContent()).not.toMatch(/-32603|Request workspace\/executeCommand failed/);
    expect(await page.locator(".monaco-dialog-box").count()).toBe(0);
  }, 150_000);
});
