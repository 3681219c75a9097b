import { readFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ensureTestModel } from "../../../../test/support/tiny-gguf.js";
import type { StreamEvent } from "../../../core/index.js";
import { LocalModelClient } from "./local-client.js";
import { LocalEngine } from "./local-engine.js";
import { useMmapFor } from "./weight-memory.js";

const GiB = 1024 ** 3;

describe("useMmapFor", () => {
  it("reads a model of up to half the memory in on a CPU and maps a larger one", () => {
    expect(useMmapFor({ configured: undefined, fileBytes: 2 * GiB, gpu: false, totalMemoryBytes: 16 * GiB })).toBe(false);
    expect(useMmapFor({ configured: undefined, fileBytes: 8 * GiB, gpu: false, totalMemoryBytes: 16 * GiB })).toBe(false);
    expect(useMmapFor({ configured: undefined, fileBytes: 8 * GiB + 1, gpu: false, totalMemoryBytes: 16 * GiB })).toBe(true);
  });

  it("maps on a GPU, and follows [local] mmap whatever the size", () => {
    expect(useMmapFor({ configured: undefined, fileBytes: 1, gpu: true, totalMemoryBytes: 16 * GiB })).toBe(true);
    expect(useMmapFor({ configured: true, fileBytes: 1, gpu: false, totalMemoryBytes: 16 * GiB })).toBe(true);
    expect(useMmapFor({ configured: false, fileBytes: 64 * GiB, gpu: false, totalMemoryBytes: 16 * GiB })).toBe(false);
  });
});

/** Whether this process has `path` mapped (Linux: /proc/self/maps names every mapped file). */
const isMapped = (path: string): boolean => readFileSync("/proc/self/maps", "utf8").includes(path);

async function answerAndMapping(path: string, mmap: boolean | undefined): Promise<{ text: string; mapped: boolean }> {
  const engine = new LocalEngine({ threads: 1, gpu: false, ...(mmap !== undefined ? { mmap } : {}) });
  try {
    const client = new LocalModelClient(engine, path, "tiny");
    let text = "";
    const events: AsyncIterable<StreamEvent> = client.complete({ prompt: "The quick brown", maxTokens: 12, temperature: 0 });
    for await (const event of events) if (event.type === "text-delta") text += event.text;
    // Asked while the model is still loaded: dispose unmaps it.
    return { text, mapped: isMapped(path) };
  } finally {
    await engine.dispose();
  }
}

describe.runIf(process.platform === "linux")("LocalEngine's model memory (through the real engine)", () => {
  it("reads the file in or maps it as chosen, with the same greedy answer either way", async () => {
    const path = await realpath(await ensureTestModel());
    const readIn = await answerAndMapping(path, false);
    const mapped = await answerAndMapping(path, true);
    const byDefault = await answerAndMapping(path, undefined);
    expect(readIn.mapped).toBe(false);
    expect(mapped.mapped).toBe(true);
    // A model this small is far under half of any machine's memory: read in.
    expect(byDefault.mapped).toBe(false);
    expect(readIn.text.length).toBeGreaterThan(0);
    expect(mapped.text).toBe(readIn.text);
    expect(byDefault.text).toBe(readIn.text);
  }, 120_000);
});
