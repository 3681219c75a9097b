/**
 * The processes the gateway benchmark talks to, all on 127.0.0.1: the fast upstream, two `spark serve`
 * gateways (one with an API key whose buckets have limits, one without keys or limits), Portkey's
 * gateway and a bare node:http pass-through (the floor), each proxying the same upstream. Direct calls
 * to the upstream are the baseline.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Target } from "./load-client.js";
import { runToEnd, startServer, type ChildServer } from "./processes.js";

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const SPARK_BIN = join(REPO_ROOT, "bin", "spark.js");
const UPSTREAM_MODEL = "bench-upstream";

/** Milliseconds between the tokens of a paced stream (the concurrent-streams run). */
export const PACE_MS = 50;

/** The limits of the keyed Spark gateway's bucket: high enough never to refuse, so every request pays for the bucket. */
export const KEY_LIMITS = { rpm: 100_000_000, tpm: 1_000_000_000_000, tokens5h: 1_000_000_000_000, tokensWeek: 1_000_000_000_000 };

export interface Fleet {
  upstream: ChildServer;
  targets: Target[];
  /** Every process, for the report: name, pid. */
  processes: ChildServer[];
  versions: Record<string, string>;
  stop(): Promise<void>;
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "not installed";
  }
}

function tsxChild(file: string): string[] {
  return ["--import", "tsx", join(REPO_ROOT, "bench", "gateway", file)];
}

async function startSpark(name: string, upstreamUrl: string, pacedPath: string, withKey: boolean, dirs: string[]): Promise<{ server: ChildServer; key: string | undefined }> {
  const project = mkdtempSync(join(tmpdir(), "spark-bench-gateway-"));
  const home = mkdtempSync(join(tmpdir(), "spark-bench-gateway-home-"));
  dirs.push(project, home);
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    [
      "[models.bench]",
      `base_url = "${upstreamUrl}/v1"`,
      `model = "${UPSTREAM_MODEL}"`,
      "[models.bench-paced]",
      `base_url = "${upstreamUrl}${pacedPath}/v1"`,
      `model = "${UPSTREAM_MODEL}"`,
      "",
    ].join("\n"),
  );
  const env = { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") };
  let key: string | undefined;
  if (withKey) {
    const limits = ["--rpm", String(KEY_LIMITS.rpm), "--tpm", String(KEY_LIMITS.tpm), "--tokens-5h", String(KEY_LIMITS.tokens5h), "--tokens-week", String(KEY_LIMITS.tokensWeek)];
    key = (await runToEnd(process.execPath, [SPARK_BIN, "keys", "create", "--name", "bench", ...limits], project, env)).trim();
  }
  const server = await startServer(name, process.execPath, [SPARK_BIN, "serve", "--port", "0"], { cwd: project, env, ready: /listening on (http:\/\/\S+)/ });
  return { server, key };
}

/**
 * Starts everything; throws (after stopping what started) if something cannot start. Paced streams are
 * held at the upstream until `concurrentStreams` are in flight at once.
 */
export async function startFleet(log: (line: string) => void, concurrentStreams: number): Promise<Fleet> {
  if (!existsSync(join(REPO_ROOT, "dist", "cli", "main.js"))) throw new Error("the gateway benchmark runs the built CLI: run `npm run build` first");
  const processes: ChildServer[] = [];
  const dirs: string[] = [];
  const stop = async () => {
    await Promise.all(processes.map((server) => server.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const childEnv = { PATH: process.env.PATH ?? "", NODE_ENV: "production" };
    const upstream = await startServer("upstream", process.execPath, tsxChild("upstream-process.ts"), { cwd: REPO_ROOT, env: childEnv, ready: /upstream listening on (http:\/\/\S+)/, stdinPipe: true });
    processes.push(upstream);
    const paced = `/paced/${PACE_MS}/hold/${concurrentStreams}`;
    const bare = await startServer("bare node:http proxy", process.execPath, tsxChild("bare-proxy-process.ts"), {
      cwd: REPO_ROOT,
      env: { ...childEnv, BENCH_UPSTREAM_URL: upstream.url },
      ready: /bare proxy listening on (http:\/\/\S+)/,
      stdinPipe: true,
    });
    processes.push(bare);
    const keyed = await startSpark("spark (key with limits)", upstream.url, paced, true, dirs);
    processes.push(keyed.server);
    const open = await startSpark("spark (no key, no limits)", upstream.url, paced, false, dirs);
    processes.push(open.server);
    const portkey = await startServer("portkey", process.execPath, tsxChild("portkey-process.ts"), { cwd: REPO_ROOT, env: childEnv, ready: /portkey listening on (http:\/\/\S+)/, stdinPipe: true });
    processes.push(portkey);
    for (const server of processes) log(`  ${server.name}: ${server.url} (pid ${server.pid})`);

    const sparkRoute = (url: string, key: string | undefined, model: string) => ({ url: `${url}/v1`, model, headers: key ? { authorization: `Bearer ${key}` } : {} });
    const portkeyRoute = (host: string) => ({
      url: `${portkey.url}/v1`,
      model: UPSTREAM_MODEL,
      headers: { authorization: "Bearer sk-bench-upstream", "x-portkey-provider": "openai", "x-portkey-custom-host": host },
    });
    const targets: Target[] = [
      {
        id: "direct",
        label: "direct (no gateway)",
        fast: { url: `${upstream.url}/v1`, model: UPSTREAM_MODEL, headers: {} },
        paced: { url: `${upstream.url}${paced}/v1`, model: UPSTREAM_MODEL, headers: {} },
      },
      {
        id: "bare-proxy",
        label: "bare node:http pass-through (floor)",
        fast: { url: `${bare.url}/v1`, model: UPSTREAM_MODEL, headers: {} },
        paced: { url: `${bare.url}${paced}/v1`, model: UPSTREAM_MODEL, headers: {} },
      },
      { id: "spark-keyed", label: "Spark, API key with limits (SQLite bucket)", fast: sparkRoute(keyed.server.url, keyed.key, "bench"), paced: sparkRoute(keyed.server.url, keyed.key, "bench-paced") },
      { id: "spark-open", label: "Spark, no key, no limits", fast: sparkRoute(open.server.url, undefined, "bench"), paced: sparkRoute(open.server.url, undefined, "bench-paced") },
      { id: "portkey", label: `Portkey gateway ${packageVersion("@portkey-ai/gateway")}`, fast: portkeyRoute(`${upstream.url}/v1`), paced: portkeyRoute(`${upstream.url}${paced}/v1`) },
    ];
    const versions = {
      node: process.version,
      spark: (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version,
      fastify: packageVersion("fastify"),
      "better-sqlite3": packageVersion("better-sqlite3"),
      "@portkey-ai/gateway": packageVersion("@portkey-ai/gateway"),
      "@hono/node-server": packageVersion("@hono/node-server"),
      hono: packageVersion("hono"),
    };
    return { upstream, targets, processes, versions, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
