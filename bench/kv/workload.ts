import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCall } from "../../src/model-bench/index.js";
import type { Message, ModelRequest, ToolDefinition } from "../../src/core/index.js";
import { LocalEngine, LocalModelClient } from "../../src/models/providers/local/index.js";
import { CHAIN_TEXT, ensureChainModel } from "../../test/support/tiny-gguf.js";

/**
 * The KV cache across restarts: time to first token of an agent call (a long system prompt and tools,
 * then the task) on a fresh engine with an empty cache directory (cold), against a fresh engine whose
 * directory holds what an earlier engine saved at shutdown: a new task with the same system prompt and
 * tools (the shared prefix restored) and the same conversation again (a resume). Each fresh engine is a
 * new llama.cpp binding and model load in this process, as a new `spark` process would make; the model
 * load is not part of TTFT (as in the CLI's figures). The in-memory follow-up is the reference.
 */

export interface KvRow {
  case: string;
  promptTokens: number;
  reused: number;
  evaluated: number;
  ttftMs: number;
}

export interface KvResult {
  model: string;
  threads: number;
  rounds: number;
  stateBytes: number;
  rows: KvRow[];
}

const tools: ToolDefinition[] = [
  { name: "read_file", description: "Read a file of the workspace", parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } },
  { name: "apply_patch", description: "Apply a patch to the workspace", parameters: { type: "object", properties: { patch: { type: "string" } }, required: ["patch"] } },
];
/** About 3,000 prompt tokens of instructions on the chain model. */
const system: Message = { role: "system", content: CHAIN_TEXT.repeat(9) };
const request = (task: string): ModelRequest => ({ messages: [system, { role: "user", content: task }], tools, maxTokens: 8, temperature: 0 });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function runKvBench(options: { rounds: number }, log: (line: string) => void): Promise<KvResult> {
  const model = await ensureChainModel({ wide: true });
  const threads = 1;
  const samples = new Map<string, KvRow[]>();
  let stateBytes = 0;
  const record = (name: string, row: Omit<KvRow, "case">) => samples.set(name, [...(samples.get(name) ?? []), { case: name, ...row }]);
  /** One call on a fresh engine over `dir`, shut down (saving its states) afterwards. */
  const fresh = async (dir: string, calls: { name: string; task: string }[]) => {
    const engine = new LocalEngine({ threads, gpu: false, sequences: 2, kvCache: { dir, maxBytes: 2 * 1024 ** 3 } });
    const client = new LocalModelClient(engine, model, "chain-wide", { contextSize: 4096 });
    try {
      for (const call of calls) {
        const result = await runCall(client, request(call.task));
        const reused = result.metrics.promptTokensReused ?? 0;
        const ttftMs = result.metrics.ttftMs ?? 0;
        const promptTokens = result.usage.inputTokens;
        record(call.name, { promptTokens, reused, evaluated: promptTokens - reused, ttftMs });
      }
    } finally {
      await client.close();
      await engine.dispose();
    }
  };
  for (let round = 0; round < options.rounds; round++) {
    const dir = join(mkdtempSync(join(tmpdir(), "spark-kv-bench-")), "kv");
    try {
      log(`kv: round ${round + 1} of ${options.rounds}`);
      await fresh(dir, [{ name: "cold: new process, empty cache", task: "Rename the helper in src/util.ts." }]);
      stateBytes = readdirSync(dir)
        .filter((name) => name.endsWith(".kv"))
        .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      await fresh(dir, [
        { name: "restored: new process, new task, same system prompt and tools", task: "Document the public API of src/index.ts." },
        { name: "reference: same process, another new task (prefix in memory)", task: "Add a test for parseConfig." },
      ]);
      await fresh(dir, [{ name: "restored: new process, the first conversation again (resume)", task: "Rename the helper in src/util.ts." }]);
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }
  const rows = [...samples.values()].flatMap(([first, ...rest]) => (first ? [{ ...first, ttftMs: median([first, ...rest].map((row) => row.ttftMs)) }] : []));
  return { model: "chain-wide.gguf (test model, 512 wide, 8 blocks)", threads, rounds: options.rounds, stateBytes, rows };
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function kvMarkdown(result: KvResult): string {
  const cold = result.rows[0]?.ttftMs ?? 1;
  const rows = result.rows.map(
    (row) =>
      `| ${row.case} | ${integer.format(row.promptTokens)} | ${integer.format(row.reused)} | ${integer.format(row.evaluated)} | ${integer.format(row.ttftMs)} | ${((row.ttftMs / cold) * 100).toFixed(1)}% |`,
  );
  return [
    `Constructed test model, mechanism check: ${result.model}; ${result.threads} llama.cpp thread; median of ${result.rounds} round(s); states on disk after the first process (its conversation and the shared prefix): ${integer.format(result.stateBytes)} bytes.`,
    "TTFT of the first call of each process (model load excluded). The restored rows load the state a previous process saved at shutdown; a model of real shape has far more KV bytes per token and far slower prefill, so only the mechanism is checked here.",
    "",
    "| case | prompt tokens | reused | evaluated | TTFT ms | of cold |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
  ].join("\n");
}
