/**
 * Shared by the test/interop-*.test.ts files: where scripts/install-interop.sh puts each pinned client,
 * the skip-or-fail rule (a missing client skips with a message; with CI_REQUIRE_INTEROP=1 it fails), and
 * one fixture: the real `spark serve` (built dist/) in front of a scripted Chat Completions upstream
 * ("scripted") and the tiny local model ("tiny"), both on loopback.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, it } from "vitest";
import { startGateway, type GatewayProcess } from "./gateway-process.js";
import { tempDir } from "./run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./scripted-openai-server.js";
import { ensureTestModel } from "./tiny-gguf.js";

export const interopRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".interop");
export const interopRequired = process.env.CI_REQUIRE_INTEROP === "1";

/** The folder of an npm package scripts/install-interop.sh installed into .interop/<client>/. */
export function interopPackageDir(client: string, pkg: string): string {
  return join(interopRoot, client, "node_modules", pkg);
}

/** The executable an installed package put in .interop/<client>/node_modules/.bin. */
export function interopBin(client: string, bin: string): string {
  return join(interopRoot, client, "node_modules", ".bin", bin);
}

/**
 * Whether every path exists. If not: with CI_REQUIRE_INTEROP=1 registers a failing test that says what
 * to run; otherwise warns once that the file is skipped.
 */
export function requireInterop(label: string, paths: string[]): boolean {
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length === 0) return true;
  const message = `${label} is not installed (missing ${missing.join(", ")}): run scripts/install-interop.sh (npm run interop does).`;
  if (interopRequired) {
    describe(label, () => {
      it("is installed (CI_REQUIRE_INTEROP=1)", () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`interop: skipped. ${message}`);
  }
  return false;
}

/** A dynamic import of an installed package's ESM entry by absolute path (it is no dependency of ours). */
export async function importInterop<T>(client: string, pkg: string, entry?: string): Promise<T> {
  const dir = interopPackageDir(client, pkg);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { exports?: unknown; module?: string; main?: string };
  const target = entry ?? resolveEsmEntry(manifest);
  return (await import(pathToFileURL(join(dir, target)).href)) as T;
}

function resolveEsmEntry(manifest: { exports?: unknown; module?: string; main?: string }): string {
  let root: unknown = manifest.exports;
  if (root && typeof root === "object" && "." in root) root = (root as Record<string, unknown>)["."];
  for (let depth = 0; depth < 4 && root && typeof root === "object"; depth++) {
    const conditions = root as Record<string, unknown>;
    root = conditions.import ?? conditions.node ?? conditions.default;
  }
  if (typeof root === "string") return root;
  return manifest.module ?? manifest.main ?? "index.js";
}

export const TOOL_NAME = "get_weather";
export const TOOL_RESULT = "sunny-interop-17C";
export const SCRIPTED_TEXT = "Hello from the scripted upstream.";
export const SCRIPTED_FINAL = "The weather tool said sunny.";

type ChatBody = { messages?: { role: string; content: unknown }[]; tools?: { function?: { name?: string } }[] };

/**
 * The scripted upstream's rule, for any client: a conversation that already holds a tool result gets the
 * final text; a request offering `get_weather` gets a call to it; anything else gets a plain text answer.
 */
export function interopScript(request: RecordedRequest): ScriptedReply {
  const body = request.body as ChatBody;
  const messages = body.messages ?? [];
  if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["The weather tool ", "said sunny."] };
  if ((body.tools ?? []).some((tool) => tool.function?.name === TOOL_NAME)) {
    return { kind: "tool-calls", calls: [{ id: "call_weather_1", name: TOOL_NAME, arguments: JSON.stringify({ city: "Paris" }) }] };
  }
  return { kind: "text", chunks: ["Hello from ", "the scripted ", "upstream."] };
}

/** The tool result a round trip sent back, as the upstream received it (the tool message's content). */
export function toolResultSeen(upstream: ScriptedServer): string | undefined {
  for (const request of upstream.requests) {
    const tool = (request.body as ChatBody).messages?.find((message) => message.role === "tool");
    if (tool) return JSON.stringify(tool.content);
  }
  return undefined;
}

export interface InteropGateway {
  gateway: GatewayProcess;
  upstream: ScriptedServer;
  /** http://127.0.0.1:PORT/v1 */
  baseURL: string;
  stop(): Promise<void>;
}

/** `spark serve --port 0` with models "scripted" (the scripted upstream, `script` deciding) and "tiny" (the tiny GGUF). */
export async function startInteropGateway(script: (request: RecordedRequest) => ScriptedReply = interopScript): Promise<InteropGateway> {
  const model = await ensureTestModel();
  const upstream = await startScriptedServer(script);
  const project = tempDir("spark-interop-project-");
  const home = tempDir("spark-interop-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    ["[models.scripted]", `base_url = "${upstream.url}"`, 'model = "scripted-model"', "[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 16384", "max_tokens = 16", ""].join("\n"),
  );
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  return {
    gateway,
    upstream,
    baseURL: `${gateway.url}/v1`,
    stop: async () => {
      await gateway.stop();
      await upstream.close();
    },
  };
}

export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a client's executable to its end (SIGKILL after timeoutMs) with exactly `env` plus PATH. */
export function runClient(bin: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: options.cwd, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The transcript an assertion shows when a client run fails. */
export function transcriptOf(run: ClientRun): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

export const SHELL_MARKER = "spark-interop-shell-marker";
export const SHELL_FINAL = "The command printed the marker.";

/**
 * For coding-agent CLIs: a prompt naming SHELL_MARKER gets a call of the agent's shell tool (the first
 * of `shellTools` it offers, with `argumentsFor` its arguments) that echoes the marker; once the tool's
 * output is back, SHELL_FINAL. Anything else follows interopScript.
 */
export function shellToolScript(shellTools: Record<string, (command: string) => Record<string, unknown>>): (request: RecordedRequest) => ScriptedReply {
  return (request) => {
    const body = request.body as ChatBody;
    const messages = body.messages ?? [];
    if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["The command ", "printed the marker."] };
    const asked = JSON.stringify(messages.filter((message) => message.role === "user")).includes(SHELL_MARKER);
    const offered = (body.tools ?? []).map((tool) => tool.function?.name);
    const shell = Object.keys(shellTools).find((name) => offered.includes(name));
    if (asked && shell) {
      return { kind: "tool-calls", calls: [{ id: "call_shell_1", name: shell, arguments: JSON.stringify(shellTools[shell]!(`echo ${SHELL_MARKER}`)) }] };
    }
    return interopScript(request);
  };
}
