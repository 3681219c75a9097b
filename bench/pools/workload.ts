import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway, type GatewayProcess } from "../../test/support/gateway-process.js";
import { rankByRendezvous } from "../../src/gateway/rendezvous.js";
import { freePort } from "../../test/support/pool-keys.js";
import { tempDir } from "../../test/support/run-spark.js";
import { ensureTestModel } from "../../test/support/tiny-gguf.js";
import { AGENT_SHAPE, SHORT_SHAPE, type ConversationShape, type Message } from "./conversations.js";

/**
 * Upstream pools on real engines: three built `spark serve` replicas of the tiny test model behind a
 * fourth `spark serve`, the gateway. Multi-conversation workloads (conversations.ts: each re-sends its
 * whole history every turn, interleaved) run once per routing (`[gateway.pool] routing`): round-robin,
 * least-loaded and by conversation affinity. Per routing: prompt tokens evaluated (what the replicas did
 * not find in their KV cache), cache hit rate, TTFT p50/p99 and total time. Then, under affinity, a
 * replica is killed and the next conversation is timed to its first token.
 */

export interface PoolsOptions {
  turns: number;
  /** Requests in flight at once. */
  concurrency: number;
}

export const POOLS_DEFAULTS: PoolsOptions = { turns: 10, concurrency: 4 };

/**
 * Context sequences per replica: the conversations whose KV cache one replica holds. A GPU replica
 * holds few agent conversations: Qwen2.5-Coder-7B keeps 57 KB of KV per token (28 layers x 4 KV heads x
 * 128 x 2 x 2 bytes), 5.5 GB for a 96k-token conversation, so an 80 GB GPU with ~60 GB left after the
 * weights holds about 10 (a 32B model, 262 KB per token, not even 3). 8 here, as llama-server --parallel 8.
 */
export const REPLICA_SEQUENCES = 8;

export type Routing = "round-robin" | "least-loaded" | "affinity";

export interface RoutingResult {
  routing: Routing;
  requests: number;
  promptTokens: number;
  evaluatedTokens: number;
  evaluatedPerTurn: number;
  /** Mean tokens evaluated by turns after a conversation's first. */
  evaluatedPerLaterTurn: number;
  cacheHitRate: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  totalMs: number;
  /** At best, with every conversation's history kept: each first turn in full, then each turn's new tokens. */
  idealEvaluated: number;
  /** Turns whose conversation left its replica (`spark_pool_affinity_total{result="moved"}`; affinity only). */
  moves: number;
}

export interface ShapeResult {
  shape: ConversationShape["name"];
  description: string;
  conversations: number;
  /** Conversations whose first choice (rendezvous) is each replica: where affinity keeps them unless they move. */
  homes: number[];
  routings: RoutingResult[];
}

export interface PoolsResult {
  model: string;
  replicas: number;
  sequencesPerReplica: number;
  turns: number;
  concurrency: number;
  shapes: ShapeResult[];
  /** From `kill -9` of the busiest replica to the next conversation's first token (agent shape, affinity). */
  failoverMs: number;
}

interface TurnFigures {
  conversation: number;
  step: number;
  prompt: number;
  cached: number;
  ttftMs: number;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** One streamed chat turn: its TTFT (first content frame) and the usage the replica reported. */
async function turn(gateway: string, key: string, messages: Message[]): Promise<Omit<TurnFigures, "conversation" | "step"> & { text: string }> {
  const started = performance.now();
  const response = await fetch(`${gateway}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "pool", messages, prompt_cache_key: key, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } }),
    signal: AbortSignal.timeout(120_000),
  });
  if (response.status !== 200) throw new Error(`turn failed: ${response.status} ${await response.text()}`);
  let ttftMs = -1;
  let body = "";
  const decoder = new TextDecoder();
  for await (const chunk of response.body!) {
    body += decoder.decode(chunk as Uint8Array, { stream: true });
    if (ttftMs < 0 && body.includes('"content":"')) ttftMs = performance.now() - started;
  }
  if (body.includes('"error"')) throw new Error(`turn failed mid-stream: ${body.slice(-300)}`);
  let text = "";
  let usage = { prompt_tokens: 0, prompt_tokens_details: { cached_tokens: 0 } };
  for (const line of body.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const frame = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[]; usage?: typeof usage };
    text += frame.choices?.[0]?.delta?.content ?? "";
    if (frame.usage) usage = frame.usage;
  }
  return { prompt: usage.prompt_tokens, cached: usage.prompt_tokens_details?.cached_tokens ?? 0, ttftMs, text };
}

/** The conversation key of conversation `index` of a run (its prompt_cache_key). */
const conversationKey = (run: string, index: number) => `${run}-${index}`;

/** The workload: every conversation's turn t (at most `concurrency` at once), then every one's turn t + 1. */
async function workload(gateway: string, run: string, shape: ConversationShape, options: PoolsOptions): Promise<TurnFigures[]> {
  const histories = Array.from({ length: shape.conversations }, (_, index) => shape.opening(run, index));
  const figures: TurnFigures[] = [];
  for (let step = 0; step < options.turns; step++) {
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < histories.length; index = next++) {
        const history = histories[index]!;
        const { text, ...answer } = await turn(gateway, conversationKey(run, index), history);
        figures.push({ conversation: index, step, ...answer });
        history.push({ role: "assistant", content: text }, { role: "user", content: shape.item(step, index) });
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  }
  return figures;
}

/**
 * What a pool that kept every history would evaluate: each first turn as it was evaluated (cold but for
 * what any replica shares, as the instructions), then only what each later turn added.
 */
function idealEvaluated(figures: TurnFigures[]): number {
  const byConversation = new Map<number, TurnFigures[]>();
  for (const figure of figures) byConversation.set(figure.conversation, [...(byConversation.get(figure.conversation) ?? []), figure]);
  let total = 0;
  for (const turns of byConversation.values()) {
    turns.sort((a, b) => a.step - b.step);
    turns.forEach((figure, index) => (total += index === 0 ? figure.prompt - figure.cached : figure.prompt - turns[index - 1]!.prompt));
  }
  return total;
}

function summary(routing: Routing, figures: TurnFigures[], totalMs: number, moves: number): RoutingResult {
  const promptTokens = figures.reduce((sum, figure) => sum + figure.prompt, 0);
  const cached = figures.reduce((sum, figure) => sum + figure.cached, 0);
  const later = figures.filter((figure) => figure.step > 0);
  const ttfts = figures.map((figure) => figure.ttftMs);
  return {
    routing,
    requests: figures.length,
    promptTokens,
    evaluatedTokens: promptTokens - cached,
    evaluatedPerTurn: Math.round((promptTokens - cached) / figures.length),
    evaluatedPerLaterTurn: Math.round(later.reduce((sum, figure) => sum + figure.prompt - figure.cached, 0) / Math.max(1, later.length)),
    cacheHitRate: promptTokens === 0 ? 0 : cached / promptTokens,
    ttftP50Ms: Math.round(percentile(ttfts, 50)),
    ttftP99Ms: Math.round(percentile(ttfts, 99)),
    totalMs: Math.round(totalMs),
    idealEvaluated: idealEvaluated(figures),
    moves,
  };
}

/** Turns of pool "pool" whose conversation left its replica, from the gateway's /metrics. */
async function movedCount(gateway: string): Promise<number> {
  const metrics = await (await fetch(`${gateway}/metrics`)).text();
  return Number(/spark_pool_affinity_total\{model="pool",result="moved"\} (\d+)/.exec(metrics)?.[1] ?? 0);
}

/** A home whose config is the user's: the replicas' `[local]` (kv_cache_max_bytes is not a project's to set). */
function homeWith(prefix: string, config: string[]): Record<string, string> {
  const home = tempDir(prefix);
  mkdirSync(join(home, ".spark"), { recursive: true });
  writeFileSync(join(home, ".spark", "config.toml"), [...config, ""].join("\n"));
  return { HOME: home, SPARK_HOME: join(home, ".spark") };
}

/** Three `spark serve -m tiny` replicas, each with `REPLICA_SEQUENCES` sequences, one thread, and no KV state on disk. */
async function startReplicas(model: string, log: (line: string) => void): Promise<{ replicas: GatewayProcess[]; urls: string[] }> {
  const project = tempDir("spark-pools-bench-replica-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), ["[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 16384", ""].join("\n"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const replicas: GatewayProcess[] = [];
  log("pools: starting 3 replicas");
  try {
    for (const port of ports) {
      // No KV states saved to disk: a GPU serving engine keeps its cache in GPU memory only, so a replica
      // holds the conversations its sequences hold, no more (the local engine would otherwise reload others).
      const env = homeWith("spark-pools-bench-home-", ["[local]", `sequences = ${REPLICA_SEQUENCES}`, "threads = 1", "kv_cache_max_bytes = 0"]);
      replicas.push(await startGateway(project, env, ["--port", String(port), "-m", "tiny"], 180_000));
    }
  } catch (error) {
    await Promise.all(replicas.map((replica) => replica.stop()));
    throw error;
  }
  return { replicas, urls: ports.map((port) => `http://127.0.0.1:${port}/v1`) };
}

/** A gateway in front of the replicas, routing `routing`; each member as a llama-server --parallel 8 would be configured. */
async function startPoolGateway(urls: string[], routing: Routing): Promise<GatewayProcess> {
  const members = urls.map((url) => `{ base_url = "${url}", model = "tiny", max_concurrent = ${REPLICA_SEQUENCES} }`).join(", ");
  const env = homeWith("spark-pools-bench-gateway-home-", ["[gateway.pool]", `routing = "${routing}"`, "cooldown_ms = 1000", "[models.pool]", `upstreams = [${members}]`]);
  return startGateway(tempDir("spark-pools-bench-gateway-"), env, [], 60_000);
}

/** Conversations per replica by their first rendezvous choice, as the gateway ranks members (`URL#MODEL`). */
function homes(urls: string[], run: string, conversations: number): number[] {
  const members = urls.map((url, index) => ({ id: `${url}#tiny`, weight: 1, index }));
  const counts = urls.map(() => 0);
  for (let index = 0; index < conversations; index++) counts[rankByRendezvous(`key:${conversationKey(run, index)}`, members)[0]!.index]!++;
  return counts;
}

/** From `kill -9` of the replica that took most requests to the first token of a new conversation's turn. */
async function failover(gateway: GatewayProcess, replicas: GatewayProcess[]): Promise<number> {
  const status = (await (await fetch(`${gateway.url}/v1/spark/pools`)).json()) as { data: { replicas: { routed: number }[] }[] };
  const busiest = status.data[0]!.replicas.reduce((best, replica, index, all) => (replica.routed > all[best]!.routed ? index : best), 0);
  const killed = performance.now();
  replicas[busiest]!.child.kill("SIGKILL");
  for (let index = 0; index < 16; index++) {
    // Conversations spread over the replicas: the first whose answer comes after the kill, wherever it lives.
    const answer = await turn(gateway.url, `failover-probe-${index}`, [{ role: "user", content: `after the kill ${index}` }]);
    if (answer.ttftMs >= 0) return Math.round(performance.now() - killed);
  }
  return -1;
}

export async function runPoolsBench(options: PoolsOptions, log: (line: string) => void): Promise<PoolsResult> {
  const model = await ensureTestModel();
  const { replicas, urls } = await startReplicas(model, log);
  const gateways: GatewayProcess[] = [];
  try {
    const shapes: ShapeResult[] = [];
    let failoverMs = -1;
    // The short shape first: the agent shape ends with the failover, which kills a replica.
    for (const shape of [SHORT_SHAPE, AGENT_SHAPE]) {
      const routings: RoutingResult[] = [];
      for (const routing of ["round-robin", "least-loaded", "affinity"] as const) {
        const gateway = await startPoolGateway(urls, routing);
        gateways.push(gateway);
        log(`pools: ${shape.name}, ${routing}, ${shape.conversations} conversations x ${options.turns} turns`);
        const started = performance.now();
        const figures = await workload(gateway.url, `${shape.name}-${routing}`, shape, options);
        routings.push(summary(routing, figures, performance.now() - started, await movedCount(gateway.url)));
        log(`pools: ${JSON.stringify(routings.at(-1))}`);
        if (shape === AGENT_SHAPE && routing === "affinity") failoverMs = await failover(gateway, replicas);
        await gateway.stop();
      }
      shapes.push({ shape: shape.name, description: shape.description, conversations: shape.conversations, homes: homes(urls, `${shape.name}-affinity`, shape.conversations), routings });
    }
    return { model: "tiny (constructed test model: 64 wide, 2 blocks, byte-level vocabulary)", replicas: 3, sequencesPerReplica: REPLICA_SEQUENCES, ...options, shapes, failoverMs };
  } finally {
    await Promise.all([...gateways, ...replicas].map((process) => process.stop()));
  }
}
