/**
 * `npm run make-test-model [-- --out PATH --embedding N --blocks N --seed N]`
 * Writes a tiny GGUF model for tests and benchmarks (default: <repo>/.models/tiny.gguf).
 */
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTinyGguf } from "../test/support/tiny-gguf.js";
import type { TinyModelOptions } from "../test/support/tiny-gguf.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

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
      embedding: { type: "string" },
      blocks: { type: "string" },
      seed: { type: "string" },
    },
  });
  const options: TinyModelOptions = {};
  const embeddingLength = positiveInt("embedding", values.embedding);
  const blockCount = positiveInt("blocks", values.blocks);
  const seed = positiveInt("seed", values.seed);
  if (embeddingLength !== undefined) options.embeddingLength = embeddingLength;
  if (blockCount !== undefined) options.blockCount = blockCount;
  if (seed !== undefined) options.seed = seed;
  const out = resolve(values.out ?? resolve(repoRoot, ".models", "tiny.gguf"));
  return { out, options };
}

async function main(): Promise<void> {
  const { out, options } = parseCli(process.argv.slice(2));
  await writeTinyGguf(out, options);
  const { size } = await stat(out);
  console.log(`${out} (${size} bytes, ${(size / 1024 / 1024).toFixed(2)} MiB)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
