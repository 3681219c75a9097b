/**
 * `spark lsp` warms the next suggestion's prompt: end to end with the built CLI over stdio and the tiny
 * model with fill-in-the-middle tokens. After a file is opened and left quiet, its prompt is in the
 * engine's cache, so the first suggestion evaluates almost nothing (the reused-token count says so, no
 * clock involved); and after the editor is closed and opened again (a new process, same user), the warm
 * prompt comes back from the KV cache on disk instead of being evaluated again.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { InlineCompletionRequest, type InlineCompletionList } from "vscode-languageserver/node";
import { fimTestModel } from "./support/fim-model.js";
import { closeSessions, endOf, startServer, type Session } from "./support/lsp-session.js";
import { tempDir } from "./support/run-spark.js";

afterEach(closeSessions);

/** A file long enough that a cold prompt is hundreds of tokens. */
const source = Array.from({ length: 24 }, (_, index) => `export function step${index}(value: number): number {\n  return value * ${index + 2} + ${index};\n}\n`).join("\n") + "\nexport const total = ";
const uri = "file:///project/src/steps.ts";

const warmedLine = new RegExp(`warmed ${uri.replace(/[/.]/g, "\\$&")}: (\\d+) prompt tokens, (\\d+) of them already cached`);

async function warmed(lsp: Session): Promise<{ tokens: number; cached: number }> {
  const line = await lsp.waitForLog(warmedLine, 1, 60_000);
  const [, tokens, cached] = warmedLine.exec(line) ?? [];
  return { tokens: Number(tokens), cached: Number(cached) };
}

async function suggestAtEnd(lsp: Session): Promise<InlineCompletionList> {
  return (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(source), context: { triggerKind: 2 } })) as InlineCompletionList;
}

describe("spark lsp warms the current file's prompt", () => {
  let model: string;
  beforeAll(async () => {
    model = `local:${await fimTestModel()}`;
  });

  it("evaluates an opened file's prompt while the editor is idle, so the first suggestion reuses it", async () => {
    const lsp = await startServer(["-m", model], { initializationOptions: { debounceMs: 0, maxCompletionTokens: 8 } });
    await lsp.waitForStatus("ready", 60_000);
    lsp.open(uri, source);
    const warm = await warmed(lsp);
    expect(warm.tokens).toBeGreaterThan(200);
    expect(warm.cached).toBe(0);

    const answer = await suggestAtEnd(lsp);
    expect(answer.items).toHaveLength(1);
    const [metrics] = await lsp.waitForMetrics(1, 60_000);
    expect(metrics).toMatchObject({ kind: "completion", mode: "fim" });
    // Everything but the prompt's last token was already evaluated.
    expect(metrics?.promptTokensReused).toBeGreaterThanOrEqual(warm.tokens);
  }, 120_000);

  it("warms a reopened editor from the KV cache on disk", async () => {
    const home = tempDir("spark-lsp-warm-home-");
    const first = await startServer(["-m", model], { home, initializationOptions: { debounceMs: 0, maxCompletionTokens: 8 } });
    await first.waitForStatus("ready", 60_000);
    first.open(uri, source);
    await warmed(first);
    await suggestAtEnd(first);
    await first.waitForMetrics(1, 60_000);
    // Shutting down saves what the engine holds (the file's prompt) to the user's KV cache.
    await first.close();
    const cacheDir = join(home, ".spark", "kv-cache");
    expect(existsSync(cacheDir) && readdirSync(cacheDir).length).toBeGreaterThan(0);

    const second = await startServer(["-m", model], { home, initializationOptions: { debounceMs: 0, maxCompletionTokens: 8 } });
    await second.waitForStatus("ready", 60_000);
    second.open(uri, source);
    const warm = await warmed(second);
    // Loaded from disk, not evaluated: the whole warm prompt counts as cached in a process that never saw it.
    expect(warm.tokens).toBeGreaterThan(200);
    expect(warm.cached).toBe(warm.tokens);
    await suggestAtEnd(second);
    const [metrics] = await second.waitForMetrics(1, 60_000);
    expect(metrics?.promptTokensReused).toBeGreaterThanOrEqual(warm.tokens);
  }, 180_000);
});
