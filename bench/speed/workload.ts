import { cacheRows, formatBenchTable, speculationRows, type BenchRow } from "../../src/model-bench/index.js";
import { defaultThreads, LocalEngine, LocalModelClient } from "../../src/models/providers/local/index.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";

export interface SpeedResult {
  model: string;
  draftModel: string;
  threads: number;
  rows: BenchRow[];
}

/** Chain-text turns that make a follow-up conversation of about 1,500 tokens on the chain model. */
const conversationTurns = 14;

/**
 * Speed levers on the wide chain model (512 wide, 8 blocks; greedy decoding follows CHAIN_TEXT), so
 * drafts taken from that text are accepted: a check of the mechanism on this machine, not a product
 * claim for real models.
 */
export async function runSpeed(log: (line: string) => void): Promise<SpeedResult> {
  const target = await ensureChainModel({ wide: true });
  const draft = await ensureChainModel();
  const threads = defaultThreads();
  const engine = new LocalEngine({ threads, gpu: false, sequences: 2 });
  const options = { contextSize: 4096 };
  const plain = new LocalModelClient(engine, target, "chain-wide", { ...options, speculation: false });
  const lookup = new LocalModelClient(engine, target, "chain-wide", options);
  const drafted = new LocalModelClient(engine, target, "chain-wide", { ...options, draftModelPath: draft });
  try {
    const shared = { plain, source: CHAIN_TEXT, maxTokens: 400, remote: false };
    log("speed: prediction, useless prediction and prompt lookup");
    const rows = await speculationRows({ ...shared, fast: lookup, defaultLever: "prompt lookup" });
    log("speed: draft model");
    rows.push(...(await speculationRows({ ...shared, fast: drafted, defaultLever: "draft model (chain.gguf)", workloads: ["continue"] })));
    log("speed: follow-up and redirect");
    rows.push(...(await cacheRows({ ...shared, fast: lookup, defaultLever: "prompt lookup", conversationTurns })));
    return { model: "chain-wide.gguf (test model, 512 wide, 8 blocks)", draftModel: "chain.gguf (64 wide, 2 blocks)", threads, rows };
  } finally {
    await engine.dispose();
  }
}

export function speedMarkdown(result: SpeedResult): string {
  return [
    `Model: ${result.model}; draft model: ${result.draftModel}; ${result.threads} thread(s).`,
    "Greedy decoding of this test model follows a known text, so drafts from that text are accepted: the speed-ups check the mechanism on this machine; they are not a claim about real models.",
    "",
    formatBenchTable(result.rows),
  ].join("\n");
}
