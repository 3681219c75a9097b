import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { launchChromium, screenshot } from "../../test/support/browser.js";
import { codeServerEntry, node24, openWorkspace, startCodeServer } from "../../test/support/code-server.js";
import { sparkBin, tempDir } from "../../test/support/run-spark.js";
import { ensureTestModel } from "../../test/support/tiny-gguf.js";

/**
 * `npm run bench -- vscode`: the editor's latency as a user of VS Code sees it, in code-server 4.139.1
 * (VS Code 1.139.1, installed by scripts/install-interop.sh) driven by headless Chromium, with the
 * packaged extension starting the built `spark lsp` on the tiny test model. Each figure is from the
 * keystroke (Playwright's key press) to the ghost text being in the editor's DOM:
 * - cold: the window has just opened, the file too, and typing starts while the model loads;
 * - warm, new file: the model is loaded, a file not touched before is opened and typed in;
 * - per keystroke: one character typed after the suggestion was dismissed, repeated.
 */

export const VSCODE_DEFAULTS = { keystrokes: 12 } as const;

export interface VscodeBenchResult {
  model: string;
  coldFirstSuggestionMs: number;
  /** The status bar at the cold run's last keystroke ("Spark fast" alone: the server had not reported yet). */
  coldStatusAtKeystroke: string;
  warmNewFileFirstSuggestionMs: number;
  keystrokeMs: { count: number; p50: number; p95: number; max: number; samples: number[] };
}

const ghost = ".monaco-editor .ghost-text-decoration, .monaco-editor .ghost-text-decoration-preview, .monaco-editor .ghost-text";

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press("Control+P");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible", timeout: 30_000 });
  await page.locator(".quick-input-widget input").fill(name);
  await page.locator(".quick-input-widget .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press("Enter");
  await page.locator(".monaco-editor .view-lines", { hasText: "export" }).first().waitFor({ timeout: 30_000 });
  await page.locator(".monaco-editor .view-lines", { hasText: "export" }).first().click();
  await page.keyboard.press("Control+End");
}

/**
 * Types `text` (one key at a time), then waits for a suggestion: milliseconds from the last key to it,
 * and the status bar's text right after that key (whether the model was still loading).
 */
async function typeUntilSuggestion(page: Page, text: string, timeoutMs: number): Promise<{ ms: number; status: string }> {
  await page.keyboard.type(text.slice(0, -1), { delay: 30 });
  const started = performance.now();
  await page.keyboard.type(text.slice(-1));
  const status = (await page.locator("#workbench\\.parts\\.statusbar .statusbar-item", { hasText: "Spark" }).first().textContent({ timeout: 5_000 }).catch(() => "")) ?? "";
  await page.locator(ghost).first().waitFor({ state: "attached", timeout: timeoutMs });
  return { ms: Math.round(performance.now() - started), status: status.trim() };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function runVscodeBench(log: (line: string) => void, keystrokes: number = VSCODE_DEFAULTS.keystrokes): Promise<VscodeBenchResult> {
  if (!existsSync(node24) || !existsSync(codeServerEntry)) throw new Error("code-server is not installed: run scripts/install-interop.sh first.");
  const extensionDir = join(dirname(sparkBin), "..", "extensions", "vscode");
  const version = (JSON.parse(readFileSync(join(extensionDir, "package.json"), "utf8")) as { version: string }).version;
  log("packaging the extension…");
  await promisify(execFile)("npm", ["--prefix", extensionDir, "run", "package"], { timeout: 300_000 });
  const model = await ensureTestModel();
  const workspace = tempDir("spark-bench-vscode-");
  mkdirSync(join(workspace, "src"));
  const body = "export function add(a: number, b: number): number {\n  return a + b;\n}\n\n";
  for (const name of ["first.ts", "second.ts"]) writeFileSync(join(workspace, "src", name), body);
  const server = await startCodeServer({
    extensions: [join(extensionDir, `spark-vscode-${version}.vsix`)],
    machineSettings: { "spark.path": sparkBin },
    settings: { "spark.model": `local:${model}`, "spark.debounceMs": 30, "spark.maxCompletionTokens": 12, "editor.inlineSuggest.enabled": true },
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await openWorkspace(page, server, workspace);
    await openFile(page, "first.ts");
    const cold = await typeUntilSuggestion(page, "export const total = ", 180_000);
    log(`cold: first suggestion ${cold.ms} ms after the keystroke (status then: "${cold.status}")`);
    await page.keyboard.press("Escape");
    await openFile(page, "second.ts");
    const warmNewFileFirstSuggestionMs = (await typeUntilSuggestion(page, "export const sum = ", 60_000)).ms;
    log(`warm, newly opened file: first suggestion ${warmNewFileFirstSuggestionMs} ms after the keystroke`);
    const samples: number[] = [];
    for (let index = 0; index < keystrokes; index++) {
      await page.keyboard.press("Escape");
      await page.locator(ghost).first().waitFor({ state: "detached", timeout: 10_000 });
      // A character the suggestion is unlikely to start with, so the model runs (not the cache).
      samples.push((await typeUntilSuggestion(page, "qzxjkvwy"[index % 8] ?? "q", 60_000)).ms);
    }
    const sorted = [...samples].sort((a, b) => a - b);
    log(`per keystroke: p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms over ${samples.length}`);
    return { model: "tiny.gguf (test model, random weights)", coldFirstSuggestionMs: cold.ms, coldStatusAtKeystroke: cold.status, warmNewFileFirstSuggestionMs, keystrokeMs: { count: samples.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? 0, samples } };
  } catch (error) {
    const page = browser.contexts()[0]?.pages()[0];
    if (page) log(`screenshot of the failure: ${await screenshot(page, "bench-vscode-failure")}`);
    throw error;
  } finally {
    await browser.close();
    await server.stop();
  }
}

export function vscodeMarkdown(result: VscodeBenchResult): string {
  return [
    "# VS Code: suggestion latency inside the editor",
    "",
    `code-server 4.139.1 (VS Code 1.139.1) in headless Chromium, the packaged extension, \`spark lsp\` on ${result.model}. From the keystroke to the ghost text in the editor's DOM.`,
    "",
    "| What | ms |",
    "|---|---|",
    `| First suggestion, cold (window and file just opened; status bar at the keystroke: "${result.coldStatusAtKeystroke}") | ${result.coldFirstSuggestionMs} |`,
    `| First suggestion in a newly opened file, model loaded | ${result.warmNewFileFirstSuggestionMs} |`,
    `| Per keystroke, p50 (${result.keystrokeMs.count} keystrokes) | ${result.keystrokeMs.p50} |`,
    `| Per keystroke, p95 | ${result.keystrokeMs.p95} |`,
    `| Per keystroke, max | ${result.keystrokeMs.max} |`,
    "",
  ].join("\n");
}
