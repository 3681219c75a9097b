/**
 * The Codex CLI (pinned @openai/codex 0.169.0, installed by scripts/install-interop.sh into .interop/,
 * outside the project's dependencies) against the real `spark serve` on loopback. The model behind the
 * gateway is a scripted upstream of the Chat Completions API, so Codex's Responses requests go through
 * Spark's translation (its reasoning, client_metadata, include, namespace and web_search included) and
 * the answers are deterministic: first an `exec_command` call, then, once Codex sends the command's
 * output back, a final text. The tiny local model must also accept Codex's first request.
 * Without the client the file skips, saying how to install it; with CI_REQUIRE_INTEROP=1 it fails.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const codexBin = join(dirname(fileURLToPath(import.meta.url)), "..", ".interop", "codex", "node_modules", ".bin", "codex");
const installed = existsSync(codexBin);
const required = process.env.CI_REQUIRE_INTEROP === "1";
const MARKER = "spark-interop-ok";
const FINAL = "Done: the command printed the marker.";

if (!installed && required) {
  describe("the Codex CLI", () => {
    it("is installed (CI_REQUIRE_INTEROP=1)", () => {
      throw new Error(`The Codex CLI is not installed at ${codexBin}: run scripts/install-interop.sh (npm run interop does).`);
    });
  });
} else if (!installed) {
  console.warn("interop-codex: skipped, the Codex CLI is not installed; `npm run interop` installs it and runs this file.");
}

type ChatBody = { messages?: { role: string; content: unknown }[] };

/** First turn: run a command; once its output comes back as a tool message: the final answer. */
function script(request: RecordedRequest): ScriptedReply {
  const messages = (request.body as ChatBody).messages ?? [];
  if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["Done: the command ", "printed the marker."] };
  return { kind: "tool-calls", calls: [{ id: "call_exec_1", name: "exec_command", arguments: JSON.stringify({ cmd: `echo ${MARKER}` }) }] };
}

interface CodexRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `codex exec` with a CODEX_HOME of its own whose one provider is the gateway: HTTP POST /v1/responses, or
 * with `websocket` the Responses WebSocket (`supports_websockets = true`: a prewarm, then a turn per request).
 */
function runCodex(baseUrl: string, model: string, prompt: string, timeoutMs: number, websocket = false): Promise<CodexRun> {
  const codexHome = tempDir("spark-codex-home-");
  const workdir = tempDir("spark-codex-work-");
  writeFileSync(
    join(codexHome, "config.toml"),
    [
      `model = "${model}"`,
      'model_provider = "spark"',
      'approval_policy = "never"',
      'sandbox_mode = "danger-full-access"',
      "check_for_update_on_startup = false",
      "[analytics]",
      "enabled = false",
      "[model_providers.spark]",
      'name = "Spark"',
      `base_url = "${baseUrl}/v1"`,
      'wire_api = "responses"',
      'env_key = "SPARK_API_KEY"',
      "request_max_retries = 0",
      "stream_max_retries = 0",
      ...(websocket ? ["supports_websockets = true"] : []),
      "",
    ].join("\n"),
  );
  return new Promise((resolve) => {
    const child = spawn(codexBin, ["exec", "--skip-git-repo-check", "-m", model, prompt], {
      cwd: workdir,
      env: { PATH: process.env.PATH ?? "", HOME: codexHome, CODEX_HOME: codexHome, SPARK_API_KEY: "sk-dummy", NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.runIf(installed)("the Codex CLI 0.169.0 through spark serve", () => {
  let upstream: ScriptedServer;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    const model = await ensureTestModel();
    upstream = await startScriptedServer(script);
    const project = tempDir("spark-codex-project-");
    const home = tempDir("spark-codex-gateway-home-");
    mkdirSync(join(project, ".spark"));
    writeFileSync(
      join(project, ".spark", "config.toml"),
      ["[models.scripted]", `base_url = "${upstream.url}"`, 'model = "scripted-model"', "[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "context_size = 65536", "max_tokens = 16", ""].join("\n"),
    );
    gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark"), SPARK_DEBUG: "1" });
  });

  afterAll(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  it("`codex exec` completes an exec_command → function_call_output round trip and prints the final text", async () => {
    const run = await runCodex(gateway.url, "scripted", `Run: echo ${MARKER}`, 90_000);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- gateway\n${gateway.stderr()}`;
    expect(run.code, transcript).toBe(0);
    expect(run.stdout, transcript).toContain(FINAL);
    const turns = upstream.requests.filter((request) => request.path === "/v1/chat/completions");
    expect(turns.length).toBeGreaterThanOrEqual(2);
    // The first turn offered the shell tool and the flattened namespace tools, and none of Responses' own fields.
    const first = turns[0]?.body as { tools: { function: { name: string } }[] } & Record<string, unknown>;
    const offered = first.tools.map((tool) => tool.function.name);
    expect(offered).toContain("exec_command");
    expect(offered.some((name) => name.startsWith("multi_agent_v1__"))).toBe(true);
    for (const field of ["reasoning", "client_metadata", "include", "store"]) expect(first).not.toHaveProperty(field);
    // The second turn carries Codex's function_call_output: the command really ran.
    const second = turns.at(-1)?.body as ChatBody;
    const toolMessage = second.messages?.find((message) => message.role === "tool");
    expect(JSON.stringify(toolMessage?.content)).toContain(MARKER);
    expect(gateway.stderr()).toMatch(/debug: \/v1\/responses scripted: ignored .*reasoning.*client_metadata/);
  }, 120_000);

  it("`codex exec` completes the same round trip over the Responses WebSocket (prewarm, then incremental turns)", async () => {
    const before = upstream.requests.length;
    const run = await runCodex(gateway.url, "scripted", `Run: echo ${MARKER}`, 90_000, true);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- gateway\n${gateway.stderr()}`;
    expect(run.code, transcript).toBe(0);
    expect(run.stdout, transcript).toContain(FINAL);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics, transcript).toMatch(/spark_gateway_websocket_responses_total\{kind="generate"\} [2-9]/);
    // The second turn went on from the socket's chain: the upstream saw the command's output.
    const second = upstream.requests.slice(before).at(-1)?.body as ChatBody;
    expect(JSON.stringify(second.messages?.find((message) => message.role === "tool")?.content), transcript).toContain(MARKER);
  }, 120_000);

  it("the tiny local model answers Codex over the WebSocket too", async () => {
    // Codex's prompt is thousands of tokens: on a loaded 2-core machine its prewarm alone can take a minute.
    const run = await runCodex(gateway.url, "tiny", "hi", 150_000, true);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- gateway\n${gateway.stderr()}`;
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics, transcript).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1\/responses \(websocket\)",model="tiny",status="200"\} [1-9]/);
    expect(`${run.stdout}${run.stderr}`, transcript).not.toMatch(/is not supported for|unsupported_parameter|invalid_request_error|previous_response_not_found/);
  }, 180_000);

  it("the tiny local model answers Codex's first request (200), whatever it then says", async () => {
    const run = await runCodex(gateway.url, "tiny", "hi", 90_000);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}\n--- gateway\n${gateway.stderr()}`;
    expect(gateway.stderr(), transcript).toMatch(/debug: \/v1\/responses tiny: ignored .*reasoning/);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics, transcript).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1\/responses",model="tiny",status="200"\} [1-9]/);
    expect(`${run.stdout}${run.stderr}`, transcript).not.toMatch(/is not supported for|unsupported_parameter|invalid_request_error/);
  }, 120_000);
});
