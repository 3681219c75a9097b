import { errorMessage, SparkError, UsageError } from "../../core/index.js";
import { ModelRuntime } from "../../runtime/index.js";
import { keepAlive, startGateway, type GatewayLog, type RunningGateway } from "../../gateway/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { loadWithFlags } from "../common/load-with-flags.js";

export interface ServeOptions extends GlobalOptions {
  host?: string;
  port?: string;
  redis?: string;
}

function portOf(value: string | number | undefined): number {
  const port = Number(value ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects a port number from 0 to 65535, got "${String(value)}".`);
  return port;
}

// Debug lines (what each request carried that its model ignored) only when SPARK_DEBUG is set.
const log: GatewayLog = (level, message) => {
  if (level === "debug" && !process.env.SPARK_DEBUG) return;
  process.stderr.write(`spark serve: ${level === "info" ? "" : `${level}: `}${message}\n`);
};

/**
 * Resolves on the first SIGINT or SIGTERM; a second one exits at once. The handlers stay installed: a
 * module that watches signals (signal-exit, loaded with node-llama-cpp) re-raises a signal that has no
 * other listener left, which would kill the process before it closes cleanly.
 */
function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) process.exit(signal === "SIGINT" ? exitCodes.interrupted : exitCodes.failed);
      stopping = true;
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

/** Opens the `-m` model now, so a bad name, a missing file or key stops `spark serve`, not each request. */
async function loadServedModel(running: RunningGateway, runtime: ModelRuntime, name: string): Promise<void> {
  try {
    // The registry's own errors say what a name should look like; the router's say only "not found".
    runtime.resolve(name);
    const backend = running.gateway.context.router.resolve(name);
    // A local model loads now (as llama-server's does): a missing or broken file is said before listening.
    // A pool's replicas are reached per request (failover covers one that is down).
    if (backend.kind !== "pool") {
      const client = await backend.client();
      if (backend.kind === "local") await client.contextWindow?.();
    }
  } catch (error) {
    await running.close();
    throw error instanceof SparkError ? error : new UsageError(`-m ${name}: ${errorMessage(error)}`);
  }
}

/** `spark serve`: the OpenAI-compatible gateway, until Ctrl-C or SIGTERM. */
export async function serve(options: ServeOptions): Promise<number> {
  // `-m NAME` is the model this gateway serves, as llama-server's -m: configured, so it is listed and
  // requests may name it (a `local:` name included), and loaded before the gateway says it listens.
  const served = options.model === undefined ? [] : [{ source: "flag --model", data: { model: options.model } }];
  const runtime = new ModelRuntime({ loaded: await loadWithFlags(options, process.env, process.cwd(), served) });
  const gatewayConfig = runtime.loaded.config.gateway;
  const host = options.host ?? gatewayConfig?.host ?? "127.0.0.1";
  const port = portOf(options.port ?? gatewayConfig?.port);
  const redisUrl = options.redis ?? gatewayConfig?.redis_url;
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl)) throw new UsageError(`--redis expects a redis:// or rediss:// URL, got "${redisUrl}".`);
  keepAlive(log);
  const running = await startGateway({ runtime, host, port, redisUrl, log });
  if (options.model !== undefined) await loadServedModel(running, runtime, options.model);
  if (running.keysExist) log("info", "API keys are required (Authorization: Bearer sk-spark-...).");
  else log("info", "no API keys exist, so the gateway asks for none and listens on loopback only. Create one with `spark keys create --name NAME`.");
  const names = running.gateway.context.router.list().map((model) => model.id);
  log("info", `models: ${names.length ? names.join(", ") : "none configured (aliases and [models.*] in config); OpenAI and PROVIDER/MODEL names still resolve"}`);
  log("info", `rate buckets: ${redisUrl ? "Redis (shared)" : "SQLite"}; routes: /v1/models /v1/chat/completions /v1/responses (HTTP and WebSocket) /v1/completions /v1/messages /v1beta/models /v1/spark/models /v1/spark/quota /v1/spark/pools /v1/spark/eval /metrics /healthz; the web UI at /`);
  // The one stdout line, last: scripts and tests read the URL from it (with --port 0 the port is chosen here).
  process.stdout.write(`Spark gateway listening on ${running.url}\n`);
  const signal = await untilStopped();
  log("info", `${signal}: stopping`);
  await running.close();
  return exitCodes.ok;
}
