import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { jsonEvents, runSpark, sparkBin, tempDir } from "./support/run-spark.js";
import { CHAIN_TEXT, ensureAltVocabModel, ensureChainModel, ensureTestModel } from "./support/tiny-gguf.js";

let modelPath: string;
beforeAll(async () => {
  modelPath = await ensureTestModel();
});

const noStackTrace = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe("spark -m local:MODEL.gguf (embedded engine, tiny test model)", () => {
  it("streams tokens to stdout and prints speed figures", async () => {
    const result = await runSpark(["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "40", "hello"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    expect(result.stderr).toMatch(/TTFT \d+ ms · decode [\d,]+ tok\/s · prefill [\d,]+ tok\/s/);
    expect(result.stderr).toMatch(/\d+ prompt \+ 40 output tokens/);
    expect(result.stderr).toContain("finish: length");
  });

  it("is deterministic at temperature 0", async () => {
    const args = ["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "60", "write a debounce function"];
    const [first, second] = await Promise.all([runSpark(args), runSpark(args)]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
  });

  it("prints the StreamEvent union with --json", async () => {
    const result = await runSpark(["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "20", "--json", "hi"]);
    expect(result.code).toBe(0);
    const events = jsonEvents(result.stdout);
    const types = events.map((event) => event.type);
    expect(types.slice(-3)).toEqual(["usage", "metrics", "finish"]);
    expect(types.slice(0, -3).every((type) => type === "text-delta")).toBe(true);
    expect(events.find((event) => event.type === "usage")).toMatchObject({ usage: { outputTokens: 20 } });
    expect(events.at(-1)).toEqual({ type: "finish", reason: "length" });
  });

  it("Ctrl-C stops generation, keeps what was generated and exits 130", async () => {
    const result = await runSpark(["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "1000000", "--context-size", "1000000", "--json", "hi"], {
      interruptAfterChars: 2000,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(130);
    const events = jsonEvents(result.stdout);
    expect(events.filter((event) => event.type === "text-delta").length).toBeGreaterThan(0);
    expect(events.at(-1)).toEqual({ type: "finish", reason: "abort" });
  });

  it("speculates on --prediction and reports accepted prediction tokens, with the same output", async () => {
    const args = ["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "80", "--json", "rewrite"];
    const plain = await runSpark(args);
    const text = jsonEvents(plain.stdout)
      .filter((event) => event.type === "text-delta")
      .map((event) => event.text as string)
      .join("");
    const file = join(tempDir(), "prediction.txt");
    writeFileSync(file, text);
    const predicted = await runSpark([...args, "--prediction", file]);
    expect(predicted.stderr).toBe("");
    const events = jsonEvents(predicted.stdout);
    const predictedText = events.filter((event) => event.type === "text-delta").map((event) => event.text as string).join("");
    expect(predictedText).toBe(text);
    const usage = events.find((event) => event.type === "usage") as { usage: { acceptedPredictionTokens: number } } | undefined;
    expect(usage?.usage.acceptedPredictionTokens).toBeGreaterThan(40);
  });

  it("stops quietly when the reader of its output goes away (spark … | head)", async () => {
    const child = spawn(process.execPath, [sparkBin, "-m", `local:${modelPath}`, "--max-tokens", "100000", "--context-size", "100000", "hi"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
  });

  it("drafts with --draft-model and refuses a draft model with another vocabulary", async () => {
    const chain = await ensureChainModel();
    const result = await runSpark(["-m", `local:${chain}`, "--draft-model", chain, "-t", "0", "--max-tokens", "120", "--json", "go"]);
    expect(result.code).toBe(0);
    const metrics = jsonEvents(result.stdout).find((event) => event.type === "metrics") as { metrics: { draftTokensAccepted: number } } | undefined;
    expect(metrics?.metrics.draftTokensAccepted).toBeGreaterThan(50);
    const mismatch = await runSpark(["-m", `local:${modelPath}`, "--draft-model", await ensureAltVocabModel(), "hi"]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain("A draft model must share the target's vocabulary");
  });

  it("spark bench compares every lever with plain decoding and saves the results", async () => {
    const chain = await ensureChainModel();
    const source = join(tempDir(), "source.ts");
    writeFileSync(source, CHAIN_TEXT);
    const out = tempDir();
    const result = await runSpark(["bench", "-m", `local:${chain}`, "--source", source, "--max-tokens", "120", "--turns", "3", "--out", out], { timeoutMs: 120_000 });
    expect(result.code).toBe(0);
    for (const workload of ["rewrite a file", "continue code", "multi-turn follow-up", "interrupt then redirect"]) expect(result.stdout).toContain(`| ${workload} |`);
    const saved = JSON.parse(readFileSync(join(out, "speed.json"), "utf8")) as { rows: { identical?: boolean; draftAccepted: number; lever: string }[] };
    expect(saved.rows.filter((row) => row.identical !== undefined).every((row) => row.identical)).toBe(true);
    expect(saved.rows.find((row) => row.lever === "prediction = old file")?.draftAccepted).toBeGreaterThan(60);
  });

  it("refuses a truncated model with a clear message", async () => {
    const dir = tempDir();
    const truncated = join(dir, "truncated.gguf");
    const bytes = readFileSync(modelPath);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await runSpark(["-m", `local:${truncated}`, "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot load ${truncated}`);
    expect(result.stderr).toContain("truncated or corrupt");
    expect(result.stderr).not.toMatch(noStackTrace);
  });

  it("refuses a file that is not GGUF, and a missing file", async () => {
    const dir = tempDir();
    const notGguf = join(dir, "model.gguf");
    writeFileSync(notGguf, "this is not a model");
    const wrong = await runSpark(["-m", `local:${notGguf}`, "hi"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("is not a GGUF model file");
    const missing = await runSpark(["-m", `local:${join(dir, "nope.gguf")}`, "hi"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("does not exist");
  });
});

describe("spark -m hf:OWNER/REPO/FILE.gguf", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("downloads once into the cache with progress, then runs from the cache", async () => {
    const requests: string[] = [];
    server = createServer((request, response) => {
      requests.push(request.url ?? "");
      const body = readFileSync(modelPath);
      response.writeHead(200, { "content-length": body.length });
      response.end(body);
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cache = tempDir();
    const env = { HF_ENDPOINT: endpoint, SPARK_CACHE_DIR: cache };
    const args = ["-m", "hf:acme/tiny-GGUF/tiny.gguf", "-t", "0", "--max-tokens", "5", "hi"];
    const first = await runSpark(args, { env });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("downloading hf:acme/tiny-GGUF/tiny.gguf: 100%");
    expect(readFileSync(join(cache, "hf", "acme", "tiny-GGUF", "tiny.gguf")).equals(readFileSync(modelPath))).toBe(true);
    const second = await runSpark(args, { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(requests).toEqual(["/acme/tiny-GGUF/resolve/main/tiny.gguf"]);
  });

  it("fails fast with a clear message when the download server cannot be reached", async () => {
    const started = Date.now();
    const result = await runSpark(["-m", "hf:acme/tiny-GGUF/tiny.gguf", "hi"], { env: { HF_ENDPOINT: "http://127.0.0.1:9" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot download http://127.0.0.1:9/acme/tiny-GGUF/resolve/main/tiny.gguf");
    expect(result.stderr).toContain("-m local:PATH.gguf");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("keeps no partial file when the server sends a broken model", async () => {
    server = createServer((_request, response) => response.end("<html>not a model</html>"));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const cache = tempDir();
    const env = { HF_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, SPARK_CACHE_DIR: cache };
    const result = await runSpark(["-m", "hf:acme/x/y.gguf", "hi"], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is not a GGUF model file");
    expect(readdirSync(join(cache, "hf", "acme", "x"))).toEqual([]);
  });
});
