/**
 * `npm run make-test-model [-- --out PATH --context N --embedding N --blocks N --seed N]`
 * Writes a tiny GGUF model to try Spark with, for benchmarks and by hand (default:
 * <repo>/.models/test-model.gguf). Not the path the test suite's own model uses (<repo>/.models/tiny.gguf,
 * 2,048 tokens), so running the tests never rewrites the model a newcomer set up with.
 *
 * `npm run make-test-model -- --shape qwen2.5-coder-1.5b [--quant q8_0|q4_0|q4_k|q4_k_m] [--out PATH]` writes
 * a chain model of that real model's shape and quantization (gguf-shapes.ts; default
 * <repo>/.models/<shape>-<quant>.gguf) and its draft model (the 0.5B shape, same vocabulary), unless they are
 * there already. q4_k is every matrix Q4_K; q4_k_m is llama.cpp's Q4_K_M mix (Q4_K with Q6_K for the output
 * matrix and some attn_v / ffn_down); both fall back to Q5_0 / Q8_0 in rows not 256 wide, as llama.cpp does.
 */
import { stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTinyGguf } from "../test/support/tiny-gguf.js";
import type { TinyModelOptions } from "../test/support/tiny-gguf.js";
import { DRAFT_SHAPE, ensureShapedModel, isShapeName, isShapeQuant, SHAPE_QUANTS, SHAPES, writeShapedGguf } from "../test/support/gguf-shapes.js";
import type { ShapedModelOptions } from "../test/support/gguf-shapes.js";

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

type Cli = { kind: "tiny"; out: string; options: TinyModelOptions } | { kind: "shaped"; out: string | undefined; options: ShapedModelOptions };

function parseShaped(shape: string, quant: string | undefined, out: string | undefined, tinyFlags: boolean): Cli {
  if (tinyFlags) throw new Error("--shape sets every size: --context, --embedding, --blocks and --seed do not apply");
  if (!isShapeName(shape)) throw new Error(`unknown --shape "${shape}"; known: ${Object.keys(SHAPES).join(", ")}`);
  const type = quant ?? "q8_0";
  if (!isShapeQuant(type)) throw new Error(`--quant must be one of ${SHAPE_QUANTS.join(", ")}, got "${type}"`);
  return { kind: "shaped", out: out === undefined ? undefined : resolve(out), options: { shape, quant: type } };
}

function parseCli(argv: string[]): Cli {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: "string" },
      context: { type: "string" },
      embedding: { type: "string" },
      blocks: { type: "string" },
      seed: { type: "string" },
      shape: { type: "string" },
      quant: { type: "string" },
    },
  });
  const tinyFlags = [values.context, values.embedding, values.blocks, values.seed].some((value) => value !== undefined);
  if (values.shape !== undefined) return parseShaped(values.shape, values.quant, values.out, tinyFlags);
  if (values.quant !== undefined) throw new Error("--quant applies to --shape models only");
  const options: TinyModelOptions = { contextLength: positiveInt("context", values.context) ?? DEFAULT_CONTEXT_LENGTH };
  const embeddingLength = positiveInt("embedding", values.embedding);
  const blockCount = positiveInt("blocks", values.blocks);
  const seed = positiveInt("seed", values.seed);
  if (embeddingLength !== undefined) options.embeddingLength = embeddingLength;
  if (blockCount !== undefined) options.blockCount = blockCount;
  if (seed !== undefined) options.seed = seed;
  const out = resolve(values.out ?? resolve(repoRoot, ".models", "test-model.gguf"));
  return { kind: "tiny", out, options };
}

const describe = async (path: string): Promise<string> => {
  const { size } = await stat(path);
  return `${path} (${size} bytes, ${(size / 1024 / 1024).toFixed(0)} MiB)`;
};

/** The target (to --out, or its default path if missing or stale) and its draft model next to the default. */
async function writeShaped(out: string | undefined, options: ShapedModelOptions): Promise<void> {
  const started = performance.now();
  let target: string;
  if (out === undefined) {
    target = await ensureShapedModel(options);
  } else {
    await writeShapedGguf(out, options);
    target = out;
  }
  const draft = await ensureShapedModel({ shape: DRAFT_SHAPE[options.shape], quant: options.quant });
  console.log(`${await describe(target)}\ndraft model: ${await describe(draft)}\n${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`Greedy decoding follows a known text (test/support/chain-text.ts). Measure it: npm run bench -- speed --shape ${options.shape} --quant ${options.quant}`);
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  if (cli.kind === "shaped") return writeShaped(cli.out, cli.options);
  await writeTinyGguf(cli.out, cli.options);
  const { size } = await stat(cli.out);
  console.log(`${cli.out} (${size} bytes, ${(size / 1024 / 1024).toFixed(2)} MiB, ${cli.options.contextLength ?? ""}-token window)`);
  console.log(`Try it: npx spark -m local:${cli.out} --max-tokens 60 "hi"   (its text is noise: it proves the set-up, not the answers)`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
