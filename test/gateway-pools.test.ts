/**
 * Upstream pools end to end: the built `spark serve` in front of three scripted upstreams on loopback
 * (`[models.NAME] upstreams`). Conversations stay on one replica, a replica at its max_concurrent spills the
 * conversation to another, a dead replica is skipped before the client sees a byte, a stream that breaks
 * is never retried, a failing replica cools down and is re-admitted, the Anthropic, Gemini and WebSocket
 * routes route the same way, and two gateways sharing Redis send one conversation to one replica even
 * when it had to move, and skip a replica the other saw fail.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { freePort, keyPreferring as preferring } from "./support/pool-keys.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { responseOf, SocketClient } from "./support/socket-client.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

const redis = inject("redis");
const MODEL = "m";

/** What each upstream does now: answer, or fail with a 503. */
const failing = new Set<number>();

function script(index: number) {
  return (req: RecordedRequest): ScriptedReply => {
    const text = JSON.stringify(req.body?.messages ?? "");
    if (text.includes("hold")) return { kind: "hang-after", chunks: ["held"] };
    if (text.includes("drop")) return { kind: "drop-after", chunks: ["part"] };
    if (failing.has(index)) return { kind: "error", status: 503 };
    return { kind: "text", chunks: ["ok"], usage: { prompt: 10, completion: 1 } };
  };
}

/** A loopback URL nothing listens on (a replica that is down). */
async function deadUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/v1`;
}

/** A conversation key whose first choice by rendezvous hashing (as the gateway ranks them) is `url`. */
function keyPreferring(url: string, urls: string[], prefix: string): string {
  return preferring(url, urls, prefix, MODEL);
}

describe("gateway upstream pools", () => {
  let servers: ScriptedServer[] = [];
  let gateways: GatewayProcess[] = [];
  let dead = "";
  let project = "";
  let env: Record<string, string> = {};

  const urls = () => servers.map((server) => server.url);
  /** Which upstreams got a request carrying `marker`. */
  const receivers = (marker: string) => servers.flatMap((server, index) => (server.requests.some((req) => JSON.stringify(req.body ?? "").includes(marker)) ? [index] : []));

  async function chat(gateway: GatewayProcess, model: string, content: string, extra: Record<string, unknown> = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content }], ...extra }),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, text: await response.text() };
  }

  beforeAll(async () => {
    servers = await Promise.all([0, 1, 2].map((index) => startScriptedServer(script(index))));
    dead = await deadUrl();
    project = tempDir("spark-gateway-pools-");
    const home = tempDir("spark-gateway-pools-home-");
    mkdirSync(join(home, ".spark"), { recursive: true });
    const member = (url: string, extra = "") => `{ base_url = "${url}", model = "${MODEL}"${extra} }`;
    writeFileSync(
      join(home, ".spark", "config.toml"),
      [
        'api_key_env = "POOL_TEST_KEY"',
        "[gateway.pool]",
        "cooldown_ms = 1500",
        "[models.pooled]",
        `upstreams = [${urls().map((url) => member(url)).join(", ")}]`,
        "[models.tight]",
        `upstreams = [${member(urls()[0]!, ", max_concurrent = 1")}, ${member(urls()[1]!, ", max_concurrent = 1")}]`,
        "[models.resp-pool]",
        `upstreams = [${urls().map((url) => member(url, ', api = "responses"')).join(", ")}]`,
        "[models.half-dead]",
        `upstreams = [${member(dead)}, ${member(urls()[2]!)}]`,
        "",
      ].join("\n"),
    );
    // The project's own pool: it may name its URLs, but neither its api_key_env nor the user's key goes there.
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), `[models.project-pool]\nupstreams = [{ base_url = "${urls()[2]!}", model = "${MODEL}", api_key_env = "POOL_TEST_KEY" }]\n`);
    env = { HOME: home, SPARK_HOME: join(home, ".spark"), POOL_TEST_KEY: "sk-user-secret" };
    const redisArgs = "url" in redis ? ["--redis", redis.url] : [];
    gateways = await Promise.all([startGateway(project, env, redisArgs), startGateway(project, env, redisArgs)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    await Promise.all(servers.map((server) => server.close()));
  });

  it("keeps each conversation on one replica across turns, and spreads conversations", async () => {
    const gateway = gateways[0]!;
    const used = new Set<number>();
    for (let conversation = 0; conversation < 8; conversation++) {
      for (let turn = 0; turn < 3; turn++) {
        const answer = await chat(gateway, "pooled", `sticky-${conversation}-turn-${turn}`, { prompt_cache_key: `sticky-${conversation}` });
        expect(answer.status, answer.text).toBe(200);
      }
      const where = [0, 1, 2].map((turn) => receivers(`sticky-${conversation}-turn-${turn}`));
      expect(where.every((list) => list.length === 1 && list[0] === where[0]![0])).toBe(true);
      used.add(where[0]![0]!);
    }
    expect(used.size).toBeGreaterThan(1);
    // Without a key, the conversation's opening (its first user message) keeps it in place.
    const opening = { role: "user", content: "opening-of-prefix-conversation" };
    for (let turn = 0; turn < 3; turn++) {
      const messages = [opening, ...Array.from({ length: turn }, (_, i) => [{ role: "assistant", content: "ok" }, { role: "user", content: `prefix-turn-${i}` }]).flat()];
      const response = await fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "pooled", messages }) });
      expect(response.status).toBe(200);
    }
    expect(receivers("opening-of-prefix-conversation")).toHaveLength(1);
  });

  it("sends a previous_response_id to the replica that made that (stored) response", async () => {
    const gateway = gateways[0]!;
    for (let conversation = 0; conversation < 4; conversation++) {
      const send = async (input: string, previous?: string) => {
        const response = await fetch(`${gateway.url}/v1/responses`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          // The gateway keeps the chain (store: true); it never passes previous_response_id to an upstream's store.
          body: JSON.stringify({ model: "resp-pool", input, store: true, ...(previous ? { previous_response_id: previous } : {}) }),
        });
        expect(response.status).toBe(200);
        return ((await response.json()) as { id: string }).id;
      };
      const first = await send(`chain-${conversation}-one`);
      await send(`chain-${conversation}-two`, first);
      expect(receivers(`chain-${conversation}-one`)).toHaveLength(1);
      expect(receivers(`chain-${conversation}-two`)).toEqual(receivers(`chain-${conversation}-one`));
    }
  });

  it("routes the Anthropic, Gemini and Responses WebSocket APIs like chat: one replica per conversation, failover before the first byte", async () => {
    const gateway = gateways[0]!;
    const messages = (session: string, content: string, model = "pooled") =>
      fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-claude-code-session-id": session },
        body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content }] }),
      });
    const gemini = (contents: { role: string; parts: { text: string }[] }[]) =>
      fetch(`${gateway.url}/v1beta/models/pooled:generateContent`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ contents }) });
    const socket = await SocketClient.open(gateway.url);
    try {
      for (let conversation = 0; conversation < 4; conversation++) {
        let previous: string | undefined;
        for (let turn = 0; turn < 3; turn++) {
          // Claude Code's session header names the conversation; Gemini's opening turn does; a socket's chain does.
          expect((await messages(`cc-${conversation}`, `anthropic-${conversation}-turn-${turn}`)).status).toBe(200);
          const history = Array.from({ length: turn }, (_, i) => [{ role: "model", parts: [{ text: "ok" }] }, { role: "user", parts: [{ text: `gemini-${conversation}-turn-${i + 1}` }] }]).flat();
          expect((await gemini([{ role: "user", parts: [{ text: `gemini-${conversation}-turn-0` }] }, ...history])).status).toBe(200);
          const { end } = await socket.create({ model: "pooled", input: `socket-${conversation}-turn-${turn}`, ...(previous ? { previous_response_id: previous } : {}) });
          expect(end.type, JSON.stringify(end)).toBe("response.completed");
          previous = responseOf(end).id;
        }
        for (const api of ["anthropic", "gemini", "socket"]) {
          const where = [0, 1, 2].map((turn) => receivers(`${api}-${conversation}-turn-${turn}`));
          expect(where.every((list) => list.length === 1 && list[0] === where[0]![0]), `${api} ${JSON.stringify(where)}`).toBe(true);
        }
      }
      // Conversations that prefer the dead replica are answered by the live one, and the client never knows.
      const session = keyPreferring(dead, [dead, urls()[2]!], "claude-code:cc-dead").slice("claude-code:".length);
      const anthropic = await messages(session, "anthropic-failover", "half-dead");
      expect(anthropic.status, await anthropic.text()).toBe(200);
      const { end } = await socket.create({ model: "half-dead", input: "socket-failover", prompt_cache_key: keyPreferring(dead, [dead, urls()[2]!], "socket-dead") });
      expect(end.type, JSON.stringify(end)).toBe("response.completed");
      expect([...receivers("anthropic-failover"), ...receivers("socket-failover")]).toEqual([2, 2]);
    } finally {
      await socket.close();
    }
  });

  it("sends no key to a member of a pool the project's config defined, and the user's key to the user's", async () => {
    const gateway = gateways[0]!;
    expect((await chat(gateway, "project-pool", "project-member")).status).toBe(200);
    expect((await chat(gateway, "pooled", "user-member", { prompt_cache_key: "user-member" })).status).toBe(200);
    const headersOf = (marker: string) => servers.flatMap((server) => server.requests.filter((req) => JSON.stringify(req.body ?? "").includes(marker)).map((req) => req.headers.authorization));
    expect(headersOf("project-member")).toEqual([undefined]);
    expect(headersOf("user-member")).toEqual(["Bearer sk-user-secret"]);
  });

  it("lists the pool's members in `spark models`", async () => {
    const listed = await runSpark(["models", "--json"], { cwd: project, env, timeoutMs: 30_000 });
    expect(listed.code, listed.stderr).toBe(0);
    const rows = (JSON.parse(listed.stdout) as { models: { name: string; usable: boolean; members?: { replica: number; resolvesTo: string }[] }[] }).models;
    const pooled = rows.find((row) => row.name === "pooled");
    expect(pooled?.usable).toBe(true);
    expect(pooled?.members?.map((member) => member.replica)).toEqual([1, 2, 3]);
    expect(pooled?.members?.[0]?.resolvesTo).toContain(urls()[0]);
  });

  it("moves a conversation whose replica is at its max_concurrent, and it stays where it moved", async () => {
    const gateway = gateways[0]!;
    const held = new AbortController();
    const holding = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tight", messages: [{ role: "user", content: "spill hold" }], prompt_cache_key: "spill", stream: true }),
      signal: held.signal,
    });
    const first = await holding;
    expect(first.status).toBe(200);
    const home = receivers("spill hold");
    expect(home).toHaveLength(1);
    const second = await chat(gateway, "tight", "spill second", { prompt_cache_key: "spill" });
    expect(second.status, second.text).toBe(200);
    const moved = receivers("spill second");
    expect(moved).toHaveLength(1);
    expect(moved[0]).not.toBe(home[0]);
    held.abort();
    await servers[home[0]!]!.waitForClientDisconnect();
    const third = await chat(gateway, "tight", "spill third", { prompt_cache_key: "spill" });
    expect(third.status).toBe(200);
    expect(receivers("spill third")).toEqual(moved);
  });

  it("skips a dead replica before the first byte and keeps it out while it cools down", async () => {
    const gateway = gateways[0]!;
    for (const stream of [false, true]) {
      const key = keyPreferring(dead, [dead, urls()[2]!], `dead-${String(stream)}`);
      const answer = await chat(gateway, "half-dead", `failover-${String(stream)}`, { prompt_cache_key: key, stream });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.text).toContain("ok");
      expect(receivers(`failover-${String(stream)}`)).toEqual([2]);
    }
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/spark_pool_failures_total\{model="half-dead",replica="1"\} [1-9]/);
    expect(metrics).toMatch(/spark_pool_replica_up\{model="half-dead",replica="1"\} 0/);
    expect(metrics).toMatch(/spark_pool_retries_total\{model="half-dead"\} [1-9]/);
  });

  it("never retries a stream that broke after its first byte: the client gets an error frame", async () => {
    const gateway = gateways[0]!;
    const answer = await chat(gateway, "pooled", "mid-stream drop", { prompt_cache_key: "drop-conversation", stream: true });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("part");
    expect(answer.text).toContain("upstream_stream_broken");
    expect(receivers("mid-stream drop")).toHaveLength(1);
    // The broken stream cooled its replica down, on both gateways through Redis: the tests after this one
    // expect every replica admitted, so wait (bounded) for the cool-down to end, and the shared key with it.
    const up = async () => ((await (await fetch(`${gateway.url}/v1/spark/pools`)).json()) as { data: { model: string; replicas: { up: boolean }[] }[] }).data.find((pool) => pool.model === "pooled")?.replicas.every((replica) => replica.up);
    await expect.poll(up, { timeout: 10_000 }).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  it("cools a failing replica down, routes around it, and re-admits it when the cool-down ends", async () => {
    const gateway = gateways[1]!;
    const target = 0;
    const key = keyPreferring(urls()[target]!, urls(), "cool");
    failing.add(target);
    try {
      const answer = await chat(gateway, "pooled", "cool first", { prompt_cache_key: key });
      expect(answer.status, answer.text).toBe(200);
      expect(receivers("cool first")).toContain(target);
      const status = (await (await fetch(`${gateway.url}/v1/spark/pools`)).json()) as { data: { model: string; replicas: { replica: string; up: boolean }[] }[] };
      expect(status.data.find((pool) => pool.model === "pooled")?.replicas[target]?.up).toBe(false);
      // While it cools down, a new conversation that prefers it goes elsewhere.
      const other = keyPreferring(urls()[target]!, urls(), "cool-other");
      expect((await chat(gateway, "pooled", "cool during", { prompt_cache_key: other })).status).toBe(200);
      expect(receivers("cool during")).not.toContain(target);
    } finally {
      failing.delete(target);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    const later = keyPreferring(urls()[target]!, urls(), "cool-later");
    expect((await chat(gateway, "pooled", "cool after", { prompt_cache_key: later })).status).toBe(200);
    expect(receivers("cool after")).toEqual([target]);
    const status = (await (await fetch(`${gateway.url}/v1/spark/pools`)).json()) as { data: { model: string; replicas: { up: boolean }[] }[] };
    expect(status.data.find((pool) => pool.model === "pooled")?.replicas[target]?.up).toBe(true);
  });

  it.skipIf(!("url" in redis))("two gateways on one Redis share cool-downs: a replica one saw fail is skipped by the other", async () => {
    const [first, second] = gateways as [GatewayProcess, GatewayProcess];
    const target = 2;
    failing.add(target);
    try {
      expect((await chat(first, "pooled", "shared-health one", { prompt_cache_key: keyPreferring(urls()[target]!, urls(), "health-one") })).status).toBe(200);
    } finally {
      failing.delete(target);
    }
    expect(receivers("shared-health one")).toContain(target);
    // The replica answers again, but the second gateway, which never saw it fail, keeps away while it cools down.
    expect((await chat(second, "pooled", "shared-health two", { prompt_cache_key: keyPreferring(urls()[target]!, urls(), "health-two") })).status).toBe(200);
    expect(receivers("shared-health two")).not.toContain(target);
    const status = (await (await fetch(`${second.url}/v1/spark/pools`)).json()) as { data: { model: string; replicas: { up: boolean }[] }[] };
    expect(status.data.find((pool) => pool.model === "pooled")?.replicas[target]?.up).toBe(false);
  });

  it.skipIf(!("url" in redis))("two gateways on one Redis send a conversation to one replica, even after it moved", async () => {
    const [first, second] = gateways as [GatewayProcess, GatewayProcess];
    const preferred = 1;
    const key = keyPreferring(urls()[preferred]!, urls(), "shared");
    failing.add(preferred);
    try {
      expect((await chat(first, "pooled", "shared one", { prompt_cache_key: key })).status).toBe(200);
    } finally {
      failing.delete(preferred);
    }
    const movedTo = receivers("shared one").filter((index) => index !== preferred);
    expect(movedTo).toHaveLength(1);
    // The second gateway saw no failure: only the shared record can tell it where the conversation went.
    expect((await chat(second, "pooled", "shared two", { prompt_cache_key: key })).status).toBe(200);
    expect(receivers("shared two")).toEqual(movedTo);
  });
});
