/**
 * opencode (pinned opencode-ai 1.18.33, installed by scripts/install-interop.sh into .interop/opencode)
 * against the real `spark serve`: `opencode run` with a config whose one provider is the gateway
 * (@ai-sdk/openai-compatible), offline switches on (and no npm registry for its run-time plugin fetch), a
 * home and workspace of its own: a streamed text answer and a bash tool round trip.
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

const opencodeBin = interopBin("opencode", "opencode");
const installed = requireInterop("opencode 1.18", [opencodeBin]);

describe.runIf(installed)("opencode 1.18 through spark serve", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(shellToolScript({ bash: (command) => ({ command, description: "Print the marker" }) }));
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function opencode(prompt: string) {
    const home = tempDir("spark-opencode-home-");
    const workdir = tempDir("spark-opencode-work-");
    const config = {
      $schema: "https://opencode.ai/config.json",
      autoupdate: false,
      share: "disabled",
      provider: { spark: { npm: "@ai-sdk/openai-compatible", name: "Spark", options: { baseURL: spark.baseURL, apiKey: "sk-unused" }, models: { scripted: { name: "scripted" } } } },
      model: "spark/scripted",
    };
    mkdirSync(join(home, ".config", "opencode"), { recursive: true });
    writeFileSync(join(workdir, "opencode.json"), JSON.stringify(config, null, 2));
    return runClient(opencodeBin, ["run", "-m", "spark/scripted", prompt], {
      cwd: workdir,
      env: {
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
      },
      timeoutMs: 50_000,
    });
  }

  it("`opencode run` prints the streamed text answer", async () => {
    const run = await opencode("hi");
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SCRIPTED_TEXT);
    // The client asked for a stream, and the gateway passed it on.
    expect(spark.upstream.requests.at(-1)?.body.stream, transcriptOf(run)).toBe(true);
  }, 60_000);

  it("`opencode run` completes a bash tool round trip: the command runs, its output goes back, the final text prints", async () => {
    const run = await opencode(`Run: echo ${SHELL_MARKER}`);
    expect(run.code, transcriptOf(run)).toBe(0);
    expect(run.stdout, transcriptOf(run)).toContain(SHELL_FINAL);
    expect(toolResultSeen(spark.upstream), transcriptOf(run)).toContain(SHELL_MARKER);
  }, 60_000);
});
