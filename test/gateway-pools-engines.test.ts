/**
 * Upstream pools on real engines: three built `spark serve` processes, each embedding the tiny test model
 * (their KV caches are real), are the replicas of a fourth `spark serve`, the gateway. A conversation stays
 * on its replica and reads its prompt from that replica's cache; `kill -9` of a replica mid-stream gives
 * that client an error frame, new requests go to the others, and the replica is re-admitted when it
 * comes back on its port; a slow replica (a scripted upstream) gets less traffic; and the key's bucket is
 * charged exactly the tokens the replicas report, failover included.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { freePort, keyPreferring } from "./support/pool-keys.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const MODEL = "tiny";
const POOL = "tiny-pool";

interface ReplicaStatus {
  replica: string;
  up: boolean;
  inFlight: number;
  routed: number;
}

interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

/** Polls `check` (bounded in tries, not timed): for states another process reaches in its own time. */
async function until<T>(what: string, check: () => Promise<T | undefined>, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("upstream pools of real `spark serve` replicas", () => {
  const ports: number[] = [];
  const replicas: GatewayProcess[] = [];
  const replicaHomes: string[] = [];
  let replicaProject = "";
  let slow: ScriptedServer;
  let gateway: GatewayProcess;
  let apiKey = "";

  const urls = () => ports.map((port) => `http://127.0.0.1:${port}/v1`);
  const auth = () => ({ authorization: `Bearer ${apiKey}` });

  /** A replica: `spark serve -m tiny` on its own port (fixed, so a restart comes back where the pool expects it). */
  async function startReplica(index: number): Promise<GatewayProcess> {
    const home = replicaHomes[index]!;
    // The later --port wins over the helper's --port 0.
    return startGateway(replicaProject, { HOME: home, SPARK_HOME: join(home, ".spark") }, ["--port", String(ports[index]), "-m", MODEL], 90_000);
  }

  async function chat(model: string, key: string, messages: { role: string; content: string }[], extra: Record<string, unknown> = {}): Promise<{ status: number; text: string; usage?: ChatUsage }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth() },
      body: JSON.stringify({ model, messages, prompt_cache_key: key, max_tokens: 8, temperature: 0, ...extra }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    const usage = response.status === 200 && extra["stream"] !== true ? (JSON.parse(text) as { usage: ChatUsage }).usage : undefined;
    return { status: response.status, text, ...(usage ? { usage } : {}) };
  }

  async function pool(name: string): Promise<ReplicaStatus[]> {
    const status = (await (await fetch(`${gateway.url}/v1/spark/pools`, { headers: auth() })).json()) as { data: { model: string; replicas: ReplicaStatus[] }[] };
    return status.data.find((entry) => entry.model === name)?.replicas ?? [];
  }

  /** Tokens left in the key's weekly window (a sliding log: nothing expires during the test). */
  async function remaining(): Promise<number> {
    const quota = (await (await fetch(`${gateway.url}/v1/spark/quota`, { headers: auth() })).json()) as { data: { windows: { window: string; remaining: number }[] }[] };
    const windows = quota.data.flatMap((family) => family.windows.filter((window) => window.window.startsWith("tokens")));
    expect(windows).toHaveLength(1);
    return windows[0]!.remaining;
  }

  async function cachedTokens(replica: number): Promise<number> {
    const metrics = await (await fetch(`${gateway.url}/metrics`, { headers: auth() })).text();
    const match = new RegExp(`spark_pool_cached_tokens_total\\{model="${POOL}",replica="${replica}"\\} (\\d+)`).exec(metrics);
    return Number(match?.[1] ?? 0);
  }

  beforeAll(async () => {
    const model = await ensureTestModel();
    replicaProject = tempDir("spark-pool-replica-");
    mkdirSync(join(replicaProject, ".spark"));
    writeFileSync(join(replicaProject, ".spark", "config.toml"), ["[aliases]", `${MODEL} = "local:${model}"`, `[models.${MODEL}]`, "context_size = 2048", ""].join("\n"));
    for (let index = 0; index < 3; index++) {
      ports.push(await freePort());
      replicaHomes.push(tempDir("spark-pool-replica-home-"));
    }
    replicas.push(...(await Promise.all([0, 1, 2].map(startReplica))));
    // The slow replica: every frame of its stream comes 600 ms after the one before.
    slow = await startScriptedServer(() => ({ kind: "text", chunks: ["slow", " answer"], delayMs: 600, usage: { prompt: 10, completion: 2 } }));

    const project = tempDir("spark-pool-gateway-");
    const home = tempDir("spark-pool-gateway-home-");
    mkdirSync(join(home, ".spark"), { recursive: true });
    const member = (url: string) => `{ base_url = "${url}", model = "${MODEL}" }`;
    writeFileSync(
      join(home, ".spark", "config.toml"),
      [
        "[gateway.pool]",
        "cooldown_ms = 1000",
        // A replica that comes back is re-admitted by its probe, without a client's request paying for the check.
        "probe_interval_ms = 300",
        // Six requests at once on three replicas: a replica more than 1 request (and 1.5x) above the least loaded is passed over.
        "balance_abs_threshold = 1",
        `[models.${POOL}]`,
        `upstreams = [${urls().map(member).join(", ")}]`,
        "[models.slow-mix]",
        `upstreams = [${[...urls().slice(0, 2), slow.url].map(member).join(", ")}]`,
        "",
      ].join("\n"),
    );
    const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    const created = await runSpark(["keys", "create", "--name", "pool-user", "--tokens-week", "10000000"], { cwd: project, env, timeoutMs: 60_000 });
    expect(created.code, created.stderr).toBe(0);
    apiKey = created.stdout.trim();
    gateway = await startGateway(project, env);
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await slow?.close();
  });

  it("keeps a conversation on its replica, which reads the earlier turns from its KV cache; the bucket is charged what the replicas report", async () => {
    const before = await remaining();
    let charged = 0;
    for (let conversation = 0; conversation < 3; conversation++) {
      const target = conversation;
      const key = keyPreferring(urls()[target]!, urls(), `cache-${conversation}`, MODEL);
      const cachedBefore = await Promise.all([1, 2, 3].map(cachedTokens));
      const messages = [{ role: "system", content: `You are conversation ${conversation}. Answer briefly.` }, { role: "user", content: "Say something." }];
      const cached: number[] = [];
      for (let turn = 0; turn < 3; turn++) {
        const answer = await chat(POOL, key, messages);
        expect(answer.status, answer.text).toBe(200);
        charged += answer.usage!.prompt_tokens + answer.usage!.completion_tokens;
        cached.push(answer.usage!.prompt_tokens_details?.cached_tokens ?? 0);
        const said = (JSON.parse(answer.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
        messages.push({ role: "assistant", content: said }, { role: "user", content: `Turn ${turn + 1}: go on.` });
      }
      // Later turns find the conversation's prompt in the replica's cache.
      expect(cached[1]).toBeGreaterThan(0);
      expect(cached[2]).toBeGreaterThan(cached[1]!);
      const cachedAfter = await Promise.all([1, 2, 3].map(cachedTokens));
      expect(cachedAfter.map((after, index) => after - cachedBefore[index]!)).toEqual([0, 1, 2].map((index) => (index === target ? cached[1]! + cached[2]! : 0)));
    }
    expect(before - (await remaining())).toBe(charged);
  }, 120_000);

  it("gives the client of a replica killed mid-stream an error frame, sends new requests elsewhere, and re-admits the replica on its return", async () => {
    const victim = 1;
    const key = keyPreferring(urls()[victim]!, urls(), "kill", MODEL);
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...auth() },
      body: JSON.stringify({ model: POOL, messages: [{ role: "user", content: "Write at length." }], prompt_cache_key: key, max_tokens: 1800, stream: true }),
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = decoder.decode((await reader.read()).value);
    expect((await pool(POOL))[victim]!.inFlight).toBe(1);
    replicas[victim]!.child.kill("SIGKILL");
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
    // Never a silent truncation: the stream ends with the error, not with a finish.
    expect(text).toContain("upstream_stream_broken");
    expect(text).not.toContain('"finish_reason":"stop"');
    expect(text).not.toContain('"finish_reason":"length"');

    // While it is down, conversations that prefer it are answered by the others (failover before the first
    // byte), and charged exactly what those replicas report.
    const before = await remaining();
    let charged = 0;
    for (let conversation = 0; conversation < 4; conversation++) {
      const answer = await chat(POOL, keyPreferring(urls()[victim]!, urls(), `while-down-${conversation}`, MODEL), [{ role: "user", content: `While down ${conversation}.` }]);
      expect(answer.status, answer.text).toBe(200);
      charged += answer.usage!.prompt_tokens + answer.usage!.completion_tokens;
    }
    expect(before - (await remaining())).toBe(charged);
    expect((await pool(POOL))[victim]!.up).toBe(false);

    replicas[victim] = await startReplica(victim);
    await until("the restarted replica to be re-admitted", async () => ((await pool(POOL))[victim]!.up ? true : undefined));
    const routedBefore = (await pool(POOL))[victim]!.routed;
    const back = await chat(POOL, keyPreferring(urls()[victim]!, urls(), "after-return", MODEL), [{ role: "user", content: "Back again." }]);
    expect(back.status, back.text).toBe(200);
    expect((await pool(POOL))[victim]!.routed).toBe(routedBefore + 1);
  }, 120_000);

  it("sends a slow replica less traffic: its requests in flight bound what it takes", async () => {
    const requests = Array.from({ length: 18 }, (_, index) => `spread-${index}`);
    let next = 0;
    const worker = async () => {
      for (let index = next++; index < requests.length; index = next++) {
        const answer = await chat("slow-mix", requests[index]!, [{ role: "user", content: `Request ${index}.` }], { stream: true });
        expect(answer.status, answer.text).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    const [first, second, slowest] = (await pool("slow-mix")).map((replica) => replica.routed) as [number, number, number];
    expect(first + second + slowest).toBe(requests.length);
    expect(slowest, `routed: ${first}, ${second}, slow ${slowest}`).toBeLessThan(Math.min(first, second));
    // (Its other requests are the gateway's probes of /models.)
    expect(slow.requests.filter((request) => request.method === "POST").length).toBe(slowest);
  }, 120_000);
});
