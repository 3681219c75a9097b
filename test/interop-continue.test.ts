/**
 * Continue's CLI (pinned @continuedev/cli 1.5.47, installed by scripts/install-interop.sh into
 * .interop/continue) against the real `spark serve`, headless (`cn -p`), with a local config.yaml whose one
 * model is the gateway (provider openai, apiBase), telemetry off, a home and workspace of its own: a text
 * answer and a Bash tool round trip (`--auto`).
 */
import { writeFileSync } from "node:fs";
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

const cnBin = interopBin("continue", "cn");
const installed = requireInterop("Continue's CLI 1.5", [cnBin]);

describe.runIf(installed)("Continue's CLI 1.5 through spark serve", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(shellToolScript({ Bash: (command) => ({ command }) }));
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function cn(prompt: string, extra: string[] = []) {
    const home = tempDir("spark-continue-home-");
    const config = join(home, "config.yaml");
    writeFileSync(
      config,
      ["name: spark", "version: 1.0.0", "schema: v1", "models:", "  - name: Spark", "    provider: openai", "    model: scripted", `    apiBase: ${spark.baseURL}`, "    apiKey: sk-unused", "    roles: [chat, edit, apply]", ""].join("\n"),
    );
    return runClient(cnBin, ["-p", prompt, "--config", config, ...extra], {
      cwd: tempDir("spark-continue-work-"),
      env: {
        HOME: home,
        CONTINUE_GLOBAL_DIR: join(home, ".continue"),
        CONTINUE_CLI_ENABLE_TELEMETRY: "0",
        CONTINUE_METRICS_ENABLED: "0",
        CONTINUE_CLI_AUTO_UPDATED: "1",
        npm_config_registry: "http://127.0.0.1:9/",
      },
      timeoutMs: 50_000,
    });
  }

  it("`cn -p` prints the text answer", async () => {
    const run = await cn("hi");
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SCRIPTED_TEXT);
    // The client asked for a stream, and the gateway passed it on.
    expect(spark.upstream.requests.at(-1)?.body.stream, transcriptOf(run)).toBe(true);
  }, 60_000);

  it("`cn -p --auto` completes a Bash tool round trip", async () => {
    const run = await cn(`Run: echo ${SHELL_MARKER}`, ["--auto"]);
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SHELL_FINAL);
    expect(toolResultSeen(spark.upstream), transcriptOf(run)).toContain(SHELL_MARKER);
  }, 60_000);
});
