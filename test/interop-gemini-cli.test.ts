/**
 * Gemini CLI (pinned @google/gemini-cli 0.61.0, installed by scripts/install-interop.sh into
 * .interop/gemini-cli) against the real `spark serve` on its Gemini API routes: headless (`gemini -p
 * --skip-trust --yolo`), pointed at the gateway by GOOGLE_GEMINI_BASE_URL with an API key, a home of its
 * own whose settings select key authentication and turn telemetry, usage statistics and updates off, so
 * it runs fully offline. The model behind the gateway is the scripted Chat Completions upstream: a text
 * answer, and a run_shell_command round trip (functionCall → functionResponse matched by id). The tiny local
 * model answers the real client too, with a short system prompt (GEMINI_SYSTEM_MD) and only the shell tool:
 * the default prompt (tens of thousands of tokens) is more than the tiny model evaluates in minutes on 2 cores.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  SCRIPTED_TEXT,
  SHELL_FINAL,
  SHELL_MARKER,
  interopBin,
  requireInterop,
  runClient,
  shellToolScript,
  startInteropGateway,
  toolResultSeen,
  transcriptOf,
  type InteropGateway,
} from "./support/interop-clients.js";
import { tempDir } from "./support/run-spark.js";

const geminiBin = interopBin("gemini-cli", "gemini");
const installed = requireInterop("Gemini CLI 0.61.0", [geminiBin]);

describe.runIf(installed)("Gemini CLI 0.61.0 through spark serve (POST /v1beta/models/MODEL:streamGenerateContent)", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(shellToolScript({ run_shell_command: (command) => ({ command, description: "Print the marker" }) }));
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function gemini(prompt: string, model: string, timeoutMs = 80_000, options: { shortPrompt?: boolean } = {}) {
    const home = tempDir("spark-gemini-home-");
    mkdirSync(join(home, ".gemini"));
    const systemFile = join(home, "system.md");
    if (options.shortPrompt) writeFileSync(systemFile, "You are a coding assistant. Answer briefly.\n");
    const settings = {
      ...(options.shortPrompt ? { tools: { core: ["run_shell_command"] } } : {}),
      security: { auth: { selectedType: "gemini-api-key" } },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    };
    writeFileSync(join(home, ".gemini", "settings.json"), JSON.stringify(settings));
    return runClient(geminiBin, ["-p", prompt, "-m", model, "--skip-trust", "--yolo"], {
      cwd: tempDir("spark-gemini-work-"),
      env: {
        HOME: home,
        GOOGLE_GEMINI_BASE_URL: spark.gateway.url,
        GEMINI_API_KEY: "sk-unused",
        npm_config_registry: "http://127.0.0.1:9/",
        ...(options.shortPrompt ? { GEMINI_SYSTEM_MD: systemFile } : {}),
      },
      timeoutMs,
    });
  }

  const transcript = (run: Awaited<ReturnType<typeof gemini>>) => `${transcriptOf(run)}\n--- gateway\n${spark.gateway.stderr()}`;

  it("`gemini -p` prints the scripted text answer, streamed as GenerateContentResponse frames", async () => {
    const run = await gemini("hi", "scripted");
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(SCRIPTED_TEXT);
    const turn = spark.upstream.requests.filter((request) => request.path === "/v1/chat/completions").at(-1);
    expect(turn?.body.stream, transcript(run)).toBe(true);
    for (const field of ["generationConfig", "systemInstruction", "contents", "thinkingConfig"]) expect(turn?.body).not.toHaveProperty(field);
    expect(turn?.headers["x-goog-api-key"]).toBeUndefined();
  }, 100_000);

  it("`gemini -p --yolo` completes a run_shell_command functionCall → functionResponse round trip", async () => {
    const run = await gemini(`Run: echo ${SHELL_MARKER}`, "scripted");
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(SHELL_FINAL);
    expect(toolResultSeen(spark.upstream), transcript(run)).toContain(SHELL_MARKER);
    // Every call Gemini CLI made (its background ones included) was answered, none refused.
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`)).text();
    expect(metrics, transcript(run)).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1beta\/models:streamGenerateContent",model="scripted",status="200"\} [2-9]/);
    expect(metrics, transcript(run)).not.toMatch(/spark_gateway_requests_total\{[^}]*status="[45]\d\d"/);
  }, 100_000);

  it("the tiny local model answers `gemini -p` (a short system prompt, only the shell tool), whatever it says", async () => {
    const run = await gemini("hi", "tiny", 240_000, { shortPrompt: true });
    expect(run.code, transcript(run)).toBe(0);
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`)).text();
    expect(metrics, transcript(run)).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1beta\/models:streamGenerateContent",model="tiny",status="200"\} [1-9]/);
    expect(metrics, transcript(run)).not.toMatch(/spark_gateway_requests_total\{[^}]*status="[45]\d\d"/);
  }, 260_000);
});
