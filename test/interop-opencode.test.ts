/**
 * opencode (pinned opencode-ai 1.18.33, installed by scripts/install-interop.sh into .interop/opencode)
 * against the real `spark serve`: `opencode run` with a config whose one provider is the gateway
 * (@ai-sdk/openai-compatible), offline switches on (and no npm registry for its run-time plugin fetch), a
 * home and workspace of its own: a streamed text answer and a bash tool round trip.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { interopBin, interopScript, requireInterop, SCRIPTED_TEXT, startInteropGateway, toolResultSeen, type InteropGateway } from "./support/interop-clients.js";
import type { RecordedRequest, ScriptedReply } from "./support/scripted-openai-server.js";
import { tempDir } from "./support/run-spark.js";

const opencodeBin = interopBin("opencode", "opencode");
const installed = requireInterop("opencode 1.18", [opencodeBin]);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runOpencode(baseURL: string, args: string[], timeoutMs: number): Promise<Run> {
  const home = tempDir("spark-opencode-home-");
  const workdir = tempDir("spark-opencode-work-");
  const config = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: { spark: { npm: "@ai-sdk/openai-compatible", name: "Spark", options: { baseURL, apiKey: "sk-unused" }, models: { scripted: { name: "scripted" }, tiny: { name: "tiny" } } } },
    model: "spark/scripted",
  };
  mkdirSync(join(home, ".config", "opencode"), { recursive: true });
  writeFileSync(join(workdir, "opencode.json"), JSON.stringify(config, null, 2));
  return new Promise((resolve) => {
    const child = spawn(opencodeBin, args, {
      cwd: workdir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_DATA_HOME: join(home, ".local", "share"),
        XDG_CACHE_HOME: join(home, ".cache"),
        XDG_STATE_HOME: join(home, ".local", "state"),
        OPENCODE_DISABLE_MODELS_FETCH: "1",
        OPENCODE_DISABLE_AUTOUPDATE: "1",
        OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
        OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
        OPENCODE_DISABLE_SHARE: "1",
        OPENCODE_PURE: "1",
        // Whatever opencode would fetch from npm at run time (its plugin package) finds no registry.
        npm_config_registry: "http://127.0.0.1:9/",
        npm_config_offline: "true",
        NO_COLOR: "1",
      },
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

const MARKER = "spark-opencode-marker";

/** A prompt naming the marker gets a bash call that echoes it, then (with the tool's output back) the final text; else text. */
function script(request: RecordedRequest): ScriptedReply {
  const body = request.body as { messages?: { role: string; content: unknown }[]; tools?: { function?: { name?: string } }[] };
  const messages = body.messages ?? [];
  if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["The command ", "printed the marker."] };
  const asked = JSON.stringify(messages.filter((message) => message.role === "user")).includes(MARKER);
  if (asked && (body.tools ?? []).some((tool) => tool.function?.name === "bash")) {
    return { kind: "tool-calls", calls: [{ id: "call_bash_1", name: "bash", arguments: JSON.stringify({ command: `echo ${MARKER}`, description: "Print the marker" }) }] };
  }
  return interopScript(request);
}

describe.runIf(installed)("opencode 1.18 through spark serve", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(script);
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  it("`opencode run` prints the streamed text answer", async () => {
    const run = await runOpencode(spark.baseURL, ["run", "-m", "spark/scripted", "hi"], 50_000);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    expect(run.code, transcript).toBe(0);
    expect(run.stdout, transcript).toContain(SCRIPTED_TEXT);
  }, 60_000);

  it("`opencode run` completes a bash tool round trip: the command runs, its output goes back, the final text prints", async () => {
    const run = await runOpencode(spark.baseURL, ["run", "-m", "spark/scripted", `Run: echo ${MARKER}`], 50_000);
    const transcript = `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
    expect(run.code, transcript).toBe(0);
    expect(run.stdout, transcript).toContain("The command printed the marker.");
    expect(toolResultSeen(spark.upstream), transcript).toContain(MARKER);
  }, 60_000);
});
