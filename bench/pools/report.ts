import type { PoolsResult, RoutingResult, ShapeResult } from "./workload.js";

const percent = (part: number, whole: number) => `${((part / Math.max(1, whole)) * 100).toFixed(1)}%`;

function table(shape: ShapeResult): string[] {
  return [
    "| routing | requests | prompt tokens | evaluated | evaluated per turn | … per later turn | cache hit rate | TTFT p50 | TTFT p99 | total | moves |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...shape.routings.map(
      (row) =>
        `| ${row.routing} | ${row.requests} | ${row.promptTokens} | ${row.evaluatedTokens} | ${row.evaluatedPerTurn} | ${row.evaluatedPerLaterTurn} | ${(row.cacheHitRate * 100).toFixed(1)}% | ${row.ttftP50Ms} ms | ${row.ttftP99Ms} ms | ${(row.totalMs / 1000).toFixed(1)} s | ${row.routing === "affinity" ? row.moves : "–"} |`,
    ),
  ];
}

/** The targets, and the arithmetic that bounds them: no routing evaluates less than each first turn plus each turn's new tokens. */
function verdict(roundRobin: RoutingResult, affinity: RoutingResult): string[] {
  const tokens = affinity.evaluatedTokens / Math.max(1, roundRobin.evaluatedTokens);
  const ttft = roundRobin.ttftP50Ms / Math.max(1, affinity.ttftP50Ms);
  return [
    `Affinity evaluates ${percent(affinity.evaluatedTokens, roundRobin.evaluatedTokens)} of round-robin's prompt tokens (target <= 15%: ${tokens <= 0.15 ? "met" : "missed"}); TTFT p50 ${ttft.toFixed(1)}x better (target >= 3x: ${ttft >= 3 ? "met" : "missed"}).`,
    `Arithmetic: a pool that kept every history would evaluate each conversation's first turn (cold, but for the shared part) and then only what each turn added: ${affinity.idealEvaluated} tokens here, ${percent(affinity.idealEvaluated, roundRobin.evaluatedTokens)} of what round-robin evaluated (the floor for affinity's share on this workload); affinity evaluated ${affinity.evaluatedTokens}.`,
  ];
}

export function poolsMarkdown(result: PoolsResult): string {
  const lines = [
    "# Upstream pools: routing by conversation against round-robin and least-loaded",
    "",
    "AMD EPYC 2 vCPU, Node 20, loaded by parallel work (other builds and benchmarks on the same cores): compare rows of one run, not runs.",
    "",
    `Model: ${result.model}. ${result.replicas} \`spark serve\` replicas behind a fourth \`spark serve\`, each with ${result.sequencesPerReplica} context sequences (the conversations whose KV cache it holds), 1 thread, no KV states on disk, and \`max_concurrent = ${result.sequencesPerReplica}\` in the pool; default balance thresholds (\`balance_abs_threshold = 4\`, \`balance_rel_threshold = 1.5\`). ${result.turns} turns per conversation, ${result.concurrency} requests at once, each turn re-sending the whole history (streamed, max_tokens 8).`,
    "",
    `Why ${result.sequencesPerReplica} sequences: a GPU replica holds few agent conversations. Qwen2.5-Coder-7B keeps 57 KB of KV per token (28 layers x 4 KV heads x 128 x 2 x 2 bytes), 5.5 GB for a 96k-token conversation, so an 80 GB GPU with ~60 GB left after the weights holds about 10; a 32B model (262 KB per token) not even 3. Without the disk tier a replica holds what its sequences hold, as vLLM or SGLang keep their cache in GPU memory.`,
    "",
  ];
  for (const shape of result.shapes) {
    const roundRobin = shape.routings.find((row) => row.routing === "round-robin");
    const affinity = shape.routings.find((row) => row.routing === "affinity");
    lines.push(
      `## ${shape.shape === "agent" ? "Agent workload (the realistic one)" : "Short conversations (the earlier workload, kept for honesty)"}`,
      "",
      `${shape.conversations} conversations: ${shape.description}. Under affinity their replicas (first rendezvous choice) hold ${shape.homes.join(" / ")} of them; "moves" counts turns whose conversation left its replica.`,
      "",
      ...table(shape),
      "",
      ...(roundRobin && affinity ? [...verdict(roundRobin, affinity), ""] : []),
    );
  }
  lines.push(`Failover (agent workload, affinity): \`kill -9\` of the replica that took most requests to the next conversation's first token: ${result.failoverMs} ms (target < 2 s).`, "");
  return lines.join("\n");
}
