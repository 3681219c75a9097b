/**
 * `npm run make-test-model [-- --out PATH --context N --embedding N --blocks N --seed N]`
 * Writes a tiny GGUF model to try Spark with, for benchmarks and by hand (default:
 * <repo>/.models/test-model.gguf). Not the path the test suite's own model uses (<repo>/.models/tiny.gguf,
 * 2,048 tokens), so running the tests never rewrites the model a newcomer set up with.
 */
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTinyGguf } from "../test/support/tiny-gguf.js";
import type { TinyModelOptions } from "../test/support/tiny-gguf.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The agent's built-in instructions and tools alone take ~2,400 tokens, so the 2,048-token window of the
 * suite's model cannot hold even a four-word `spark exec` task. 8,192 leaves room for the task, the
 * answer and a few tool results; the tiny model's KV cache at this size is still a few MiB.
 */
const DEFAULT_CONTEXT_LENGTH = 8192;

function positiveInt(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${flag} must be a positive integer, got "${raw}"`);
  return value;
}

function parseCli(argv: string[]): { out: string; options: TinyModelOptions } {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      context: { type: "string" },
      embedding: { type: "string" },
      blocks: { type: "string" },
      seed: { type: "string" },
    },
  });
  const options: TinyModelOptions = { contextLength: positiveInt("context", values.context) ?? DEFAULT_CONTEXT_LENGTH };
  const embeddingLength = positiveInt("embedding", values.embedding);
  const blockCount = positiveInt("blocks", values.blocks);
  const seed = positiveInt("seed", values.seed);
  if (embeddingLength !== undefined) options.embeddingLength = embeddingLength;
  if (blockCount !== undefined) options.blockCount = blockCount;
  if (seed !== undefined) options.seed = seed;
  const out = resolve(values.out ?? resolve(repoRoot, ".models", "test-model.gguf"));
  return { out, options };
}

async function main(): Promise<void> {
  const { out, options } = parseCli(process.argv.slice(2));
  await writeTinyGguf(out, options);
  const { size } = await stat(out);
  console.log(`${out} (${size} bytes, ${(size / 1024 / 1024).toFixed(2)} MiB, ${options.contextLength ?? ""}-token window)`);
  console.log(`Try it: npx spark -m local:${out} --max-tokens 60 "hi"   (its text is noise: it proves the set-up, not the answers)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
