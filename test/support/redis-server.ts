/**
 * A real redis-server for tests, on a loopback port, without persistence. test/global-setup.ts starts
 * one for the whole run and provides its URL to tests as `inject("redis")`.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

declare module "vitest" {
  export interface ProvidedContext {
    /** The test run's Redis server, or why there is none (tests that need it skip and say so). */
    redis: { url: string } | { unavailable: string };
  }
}

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** Whether `redis-server` can be run (it is installed by .ci/run; locally: apt-get install redis-server). */
export function redisServerInstalled(command = "redis-server"): boolean {
  const probe = spawnSync(command, ["--version"], { stdio: "ignore", timeout: 10_000 });
  return probe.error === undefined && probe.status === 0;
}

/**
 * Starts redis-server on a free loopback port and resolves once it answers PING. A port taken between
 * choosing and binding it is retried on another port (a few times).
 */
export async function startRedis(command = "redis-server"): Promise<TestRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "spark-redis-"));
    const child = spawn(
      command,
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    child.stderr?.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.once("error", () => {}); // reported through `exited` / the PING deadline
    try {
      await untilPing(port, exited, 10_000);
      return {
        url: `redis://127.0.0.1:${port}`,
        stop: async () => {
          await stopChild(child, exited);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    } catch (error) {
      lastError = new Error(`redis-server did not start on port ${port}: ${error instanceof Error ? error.message : String(error)}\n${output}`);
      await stopChild(child, exited);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function untilPing(port: number, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`it exited with code ${String(gone)}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG within ${timeoutMs} ms`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let answer = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes("\r\n")) done(answer.startsWith("+PONG"));
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}
