/**
 * Qwen Code (pinned @qwen-code/qwen-code 0.24.4, installed by scripts/install-interop.sh into
 * .interop/qwen-code) against the real `spark serve`, headless (`qwen -p`), configured by its OpenAI
 * variables, its update check, usage statistics and telemetry off, with a home and workspace of its own: a text answer and a shell tool round trip.
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

const qwenBin = interopBin("qwen-code", "qwen");
const installed = requireInterop("Qwen Code 0.24", [qwenBin]);

describe.runIf(installed)("Qwen Code 0.24 through spark serve", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(shellToolScript({ run_shell_command: (command) => ({ command, description: "Print the marker" }) }));
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function qwen(prompt: string) {
    const home = tempDir("spark-qwen-home-");
    // Nothing phones home: no update check, no usage statistics, no telemetry.
    mkdirSync(join(home, ".qwen"));
    writeFileSync(join(home, ".qwen", "settings.json"), JSON.stringify({ general: { enableAutoUpdate: false }, privacy: { usageStatisticsEnabled: false }, telemetry: { enabled: false } }));
    return runClient(qwenBin, ["-p", prompt, "--yolo"], {
      cwd: tempDir("spark-qwen-work-"),
      env: { HOME: home, OPENAI_BASE_URL: spark.baseURL, OPENAI_API_KEY: "sk-unused", OPENAI_MODEL: "scripted", npm_config_registry: "http://127.0.0.1:9/" },
      timeoutMs: 50_000,
    });
  }

  it("`qwen -p` prints the text answer", async () => {
    const run = await qwen("hi");
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SCRIPTED_TEXT);
    // The client asked for a stream, and the gateway passed it on.
    expect(spark.upstream.requests.at(-1)?.body.stream, transcriptOf(run)).toBe(true);
  }, 60_000);

  it("`qwen -p --yolo` completes a shell tool round trip", async () => {
    const run = await qwen(`Run: echo ${SHELL_MARKER}`);
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SHELL_FINAL);
    expect(toolResultSeen(spark.upstream), transcriptOf(run)).toContain(SHELL_MARKER);
  }, 60_000);
});
