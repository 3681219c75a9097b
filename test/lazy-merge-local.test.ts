import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { applyLazyEdit } from "../src/edits/index.js";
import { LocalEngine, LocalModelClient } from "../src/models/providers/local/index.js";
import { CHAIN_TEXT, ensureChainModel } from "./support/tiny-gguf.js";

/**
 * The model merge through the real local engine: the chain test model (greedy decoding writes CHAIN_TEXT
 * whatever it is asked) plays the merge model, with the old file as its prediction. Where CHAIN_TEXT is
 * the right merge it is accepted and the prediction's tokens are; where it is not, the guard refuses it.
 */

const CHAIN_TOKENS = 59;
let engine: LocalEngine;
let client: LocalModelClient;
let ws: string;

beforeAll(async () => {
  engine = new LocalEngine({ threads: 1, gpu: false });
  client = new LocalModelClient(engine, await ensureChainModel(), "chain", { contextSize: 2048 });
});
afterAll(async () => {
  await client.close();
  await engine.dispose();
});
beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), "spark-lazy-local-"));
  return () => rm(ws, { recursive: true, force: true });
});

describe("model merge on the local engine", () => {
  it("accepts a merge that changes only the snippet's region; the old file's tokens are accepted as drafts", async () => {
    const old = CHAIN_TEXT.replace("    return hit;", "    return miss;");
    await writeFile(join(ws, "chain.ts"), old);
    const snippet = "// ... existing code ...\n    return hit;\n  }\n}";
    const report = await applyLazyEdit("chain.ts", snippet, { workspace: ws, mergeModel: client, forceModel: true, maxTokens: CHAIN_TOKENS });
    expect(report.status).toBe("applied");
    expect(report.merge).toMatchObject({ method: "model", model: "chain", modelReason: "requested" });
    expect(report.merge.metrics?.draftTokensAccepted).toBeGreaterThan(0);
    expect(await readFile(join(ws, "chain.ts"), "utf8")).toBe(CHAIN_TEXT);
  });

  it("refuses, showing the stray hunk, a merge that rewrites code outside the snippet's regions", async () => {
    const old = ["export const a = 1;", "export const b = 2;", "export const c = 3;"].join("\n");
    await writeFile(join(ws, "consts.ts"), old);
    const report = await applyLazyEdit("consts.ts", "// ... existing code ...\nexport const b = 20;\n// ... existing code ...", { workspace: ws, mergeModel: client, maxTokens: CHAIN_TOKENS });
    expect(report.status).toBe("refused");
    expect(report.merge.method).toBe("model");
    const message = report.operations[0]?.error?.message ?? "";
    expect(report.operations[0]?.error?.code).toBe("outside_snippet");
    expect(message).toContain("Stray hunk");
    expect(await readFile(join(ws, "consts.ts"), "utf8")).toBe(old);
  });
});
