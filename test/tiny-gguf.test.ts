/**
 * The tiny GGUF writer, checked against the real node-llama-cpp (prebuilt CPU binary, one thread).
 * Only properties that hold for random weights are asserted: loading, determinism, readable ASCII,
 * running to maxTokens, the chat wrapper, and rejection of a damaged file.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, copyFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatMLChatWrapper, LlamaChatSession, LlamaCompletion, LlamaLogLevel, getLlama, resolveChatWrapper } from "node-llama-cpp";
import type { Llama, LlamaContext, LlamaModel, Token } from "node-llama-cpp";
import { ensureTestModel, writeTinyGguf } from "./support/tiny-gguf.js";

const PRINTABLE = /^[\x20-\x7e\n]*$/;
const PROMPT = "export function add(a, b) {\n  return";

let llama: Llama;
let model: LlamaModel;
let context: LlamaContext;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "tiny-gguf-"));
  // build: "never" uses the prebuilt CPU binary from @node-llama-cpp/linux-x64 and throws rather than
  // compiling or downloading llama.cpp when no usable binary exists.
  llama = await getLlama({ gpu: false, build: "never", progressLogs: false, logLevel: LlamaLogLevel.error });
  model = await llama.loadModel({ modelPath: await ensureTestModel() });
  // threads: 1, because more threads than free cores is catastrophically slow on 2-core machines.
  context = await model.createContext({ contextSize: 1024, threads: 1, sequences: 4 });
});

afterAll(async () => {
  await context?.dispose();
  await model?.dispose();
  // Not llama.dispose(): in node-llama-cpp 3.21.1 a failed loadModel (the truncated-file test) leaks a
  // dispose-prevention handle once the half-built model is garbage-collected, and llama.dispose() then
  // waits forever. The worker process exits at the end of the file, which frees the backend anyway.
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Generates on a fresh sequence, returning the text, the token ids and why generation stopped. */
async function complete(maxTokens: number, temperature: number, seed = 1) {
  const sequence = context.getSequence();
  try {
    const tokens: Token[] = [];
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const result = await completion.generateCompletionWithMeta(PROMPT, {
      maxTokens, temperature, seed, onToken: (chunk) => tokens.push(...chunk),
    });
    return { text: result.response, tokens, stopReason: result.metadata.stopReason };
  } finally {
    sequence.dispose();
  }
}

/** A token the default model may emit: not special, and its text is printable ASCII or "\n". */
function isAllowedToken(token: Token): boolean {
  return !model.isSpecialToken(token) && PRINTABLE.test(model.detokenize([token], true));
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

describe("tiny GGUF model", () => {
  it("loads with a ChatML vocabulary and chat template", () => {
    expect(model.fileInfo.metadata.general.architecture).toBe("llama");
    expect(model.tokens.bos).toBe(1);
    expect(model.tokens.eos).toBe(2);
    expect(model.tokenize("<|im_start|>", true)).toHaveLength(1);
    expect(model.detokenize(model.tokenize("the function returns\n"))).toBe("the function returns\n");
    expect(resolveChatWrapper(model)).toBeInstanceOf(ChatMLChatWrapper);
  });

  it("generates identical printable text at temperature 0 and always runs to maxTokens", async () => {
    const first = await complete(200, 0);
    const second = await complete(200, 0);
    expect(first.stopReason).toBe("maxTokens");
    expect(first.tokens).toHaveLength(200);
    expect(first.text.length).toBeGreaterThan(0);
    expect(first.text).toMatch(PRINTABLE);
    expect(second.text).toBe(first.text);
    expect(second.tokens).toEqual(first.tokens);
  });

  it("never samples a special or non-printable token at temperature 1", async () => {
    const { tokens, text, stopReason } = await complete(600, 1, 7);
    expect(stopReason).toBe("maxTokens");
    expect(tokens.filter((token) => !isAllowedToken(token))).toEqual([]);
    expect(text).toMatch(PRINTABLE);
  });

  it("works with LlamaChatSession and never ends the turn by itself", async () => {
    const sequence = context.getSequence();
    try {
      const session = new LlamaChatSession({ contextSequence: sequence });
      expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
      const result = await session.promptWithMeta("Write a function.", { maxTokens: 64, temperature: 0 });
      expect(result.stopReason).toBe("maxTokens");
      expect(result.responseText).toMatch(PRINTABLE);
    } finally {
      sequence.dispose();
    }
  });

  it("can end by itself when eosReachable is set", async () => {
    const path = join(tmp, "eos.gguf");
    await writeTinyGguf(path, { eosReachable: true });
    const eosModel = await llama.loadModel({ modelPath: path });
    try {
      const eosContext = await eosModel.createContext({ contextSize: 1024, threads: 1 });
      const completion = new LlamaCompletion({ contextSequence: eosContext.getSequence() });
      const result = await completion.generateCompletionWithMeta(PROMPT, { maxTokens: 1000, temperature: 1, seed: 2 });
      expect(result.metadata.stopReason).toBe("eogToken");
    } finally {
      await eosModel.dispose();
    }
  });

  it("writes byte-identical files for the same options and different ones for another seed", async () => {
    const [a, b, c] = ["a", "b", "c"].map((name) => join(tmp, `${name}.gguf`)) as [string, string, string];
    await writeTinyGguf(a, { seed: 5 });
    await writeTinyGguf(b, { seed: 5 });
    await writeTinyGguf(c, { seed: 6 });
    expect(await sha256(a)).toBe(await sha256(b));
    expect(await sha256(c)).not.toBe(await sha256(a));
    expect((await stat(a)).size % 32).toBe(0);
  });

  it("refuses to load a truncated file", async () => {
    const source = await ensureTestModel();
    const { size } = await stat(source);
    for (const length of [Math.floor(size / 2), 64]) {
      const path = join(tmp, `truncated-${length}.gguf`);
      await copyFile(source, path);
      await truncate(path, length);
      await expect(llama.loadModel({ modelPath: path })).rejects.toThrow();
    }
  });
});
