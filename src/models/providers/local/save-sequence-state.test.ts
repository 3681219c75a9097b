import { mkdtempSync, rmSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { CHAIN_TEXT, ensureChainModel } from "../../../../test/support/tiny-gguf.js";
import type { Message, Usage } from "../../../core/index.js";
import { LocalModelClient } from "./local-client.js";
import { LocalEngine } from "./local-engine.js";

const home = mkdtempSync(join(tmpdir(), "spark-kv-predictions-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("a saved KV state with token predictions loaded", () => {
  // The chain model follows a known text, so prompt lookup loads predictions past the last accepted token:
  // saved as they were, they came back as cells without tokens and every later call failed "Eval has failed".
  it("is saved with exactly its tokens' cells, so conversations moving between sequences keep answering", async () => {
    const notes: string[] = [];
    const engine = new LocalEngine({ threads: 1, gpu: false, sequences: 2, kvCache: { dir: join(home, "kv"), maxBytes: 2 ** 30, idleMs: 100, note: (note) => notes.push(note) } });
    const client = new LocalModelClient(engine, await ensureChainModel({ wide: false }), "chain", { contextSize: 8192 });
    try {
      const words = CHAIN_TEXT.trim().split(/\s+/);
      // Three conversations over two sequences: each call lands on a sequence that another one's idle save reloaded.
      const conversations: Message[][] = [1, 2, 3].map((run) => [
        { role: "system", content: `Run ${run}. ${CHAIN_TEXT.slice(0, 600)}` },
        { role: "user", content: `Task: ${words.slice(0, 24).join(" ")}` },
      ]);
      for (let step = 0; step < 2; step++) {
        for (const [index, messages] of conversations.entries()) {
          const before = await savedEntries(home);
          let text = "";
          let usage: Usage | undefined;
          const errors: string[] = [];
          for await (const event of client.stream({ messages, maxTokens: 16, temperature: 0, cacheKey: `conversation-${index}` })) {
            if (event.type === "text-delta") text += event.text;
            if (event.type === "usage") usage = event.usage;
            if (event.type === "error") errors.push(event.error.message);
          }
          expect(errors, `conversation ${index}, step ${step}`).toEqual([]);
          // From the second turn on, each conversation's history comes back from memory or disk.
          if (step > 0) expect(usage?.cachedInputTokens).toBeGreaterThan(100);
          messages.push({ role: "assistant", content: text }, { role: "user", content: `Tool output ${step}: ${words.slice(step * 11, step * 11 + 40).join(" ")}` });
          // The idle save of this conversation runs before the next call.
          for (let tries = 0; tries < 100 && (await savedEntries(home)).every((name) => before.includes(name)); tries++) await sleep(100);
        }
      }
      expect(notes.filter((note) => /failed/.test(note))).toEqual([]);
    } finally {
      await client.close();
      await engine.dispose();
    }
  }, 120_000);
});

async function savedEntries(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "kv")).catch(() => [])).filter((name) => name.endsWith(".json"));
}
