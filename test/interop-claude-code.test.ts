/**
 * Claude Code (pinned @anthropic-ai/claude-code 2.1.328, installed by scripts/install-interop.sh into
 * .interop/claude-code) against the real `spark serve` on its Anthropic Messages route: headless
 * (`claude -p`), pointed at the gateway by ANTHROPIC_BASE_URL, with a home and workspace of its own and
 * every non-essential call (telemetry, updates) off, so it runs fully offline. The model behind the
 * gateway is the scripted Chat Completions upstream: a text answer, and a Bash round trip (the command
 * really runs, its output reaches the upstream, the final answer comes back). The tiny local model answers
 * the real client too, with a short system prompt and only the Bash tool: Claude Code's default prompt (35k
 * to 55k tokens of instructions and tools) is more than the tiny model evaluates in minutes on 2 cores.
 */
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

const claudeBin = interopBin("claude-code", "claude");
const installed = requireInterop("Claude Code 2.1.328", [claudeBin]);

describe.runIf(installed)("Claude Code 2.1.328 through spark serve (POST /v1/messages)", () => {
  let spark: InteropGateway;

  beforeAll(async () => {
    spark = await startInteropGateway(shellToolScript({ Bash: (command) => ({ command, description: "Print the marker" }) }));
  }, 60_000);

  afterAll(async () => {
    await spark?.stop();
  });

  function claude(prompt: string, model: string, timeoutMs = 80_000, extraArgs: string[] = []) {
    return runClient(claudeBin, ["-p", prompt, "--model", model, "--allowedTools", "Bash", ...extraArgs], {
      cwd: tempDir("spark-claude-work-"),
      env: {
        HOME: tempDir("spark-claude-home-"),
        ANTHROPIC_BASE_URL: spark.gateway.url,
        ANTHROPIC_API_KEY: "sk-unused",
        // Its background calls (titles, summaries) go to the same model: no other name reaches the gateway.
        ANTHROPIC_SMALL_FAST_MODEL: model,
        ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
        DISABLE_TELEMETRY: "1",
        DISABLE_AUTOUPDATER: "1",
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
        DISABLE_ERROR_REPORTING: "1",
      },
      timeoutMs,
    });
  }

  const transcript = (run: Awaited<ReturnType<typeof claude>>) => `${transcriptOf(run)}\n--- gateway\n${spark.gateway.stderr()}`;

  it("`claude -p` prints the scripted text answer, streamed through Anthropic's events", async () => {
    const run = await claude("hi", "scripted");
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(SCRIPTED_TEXT);
    const turn = spark.upstream.requests.filter((request) => request.path === "/v1/chat/completions").at(-1);
    expect(turn?.body.stream, transcript(run)).toBe(true);
    // Claude Code's Anthropic-only fields and headers never reach the upstream.
    for (const field of ["thinking", "context_management", "output_config", "metadata", "system"]) expect(turn?.body).not.toHaveProperty(field);
    expect(turn?.headers["anthropic-beta"]).toBeUndefined();
    expect(turn?.headers["x-api-key"]).toBeUndefined();
  }, 100_000);

  it("`claude -p --allowedTools Bash` completes a Bash tool_use → tool_result round trip", async () => {
    const run = await claude(`Run: echo ${SHELL_MARKER}`, "scripted");
    expect(run.code, transcript(run)).toBe(0);
    expect(run.stdout, transcript(run)).toContain(SHELL_FINAL);
    expect(toolResultSeen(spark.upstream), transcript(run)).toContain(SHELL_MARKER);
    // Every call Claude Code made (its background ones included) was answered, none refused.
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`)).text();
    expect(metrics, transcript(run)).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1\/messages",model="scripted",status="200"\} [2-9]/);
    expect(metrics, transcript(run)).not.toMatch(/spark_gateway_requests_total\{[^}]*status="[45]\d\d"/);
  }, 100_000);

  it("the tiny local model answers `claude -p` (a short system prompt, only Bash), whatever it says", async () => {
    const run = await claude("hi", "tiny", 240_000, ["--system-prompt", "You are a coding assistant. Answer briefly.", "--tools", "Bash"]);
    // The tiny model's random words always run into its max_tokens (16), reported as stop_reason "max_tokens":
    // Claude Code, having read the stream to its end, reports that as an error of its own (exit 1).
    const outcome = run.code === 0 ? "answered" : `${run.stdout}${run.stderr}`.includes("output token maximum") ? "stopped at max_tokens" : "failed";
    expect(outcome, transcript(run)).not.toBe("failed");
    const metrics = await (await fetch(`${spark.gateway.url}/metrics`)).text();
    expect(metrics, transcript(run)).toMatch(/spark_gateway_requests_total\{[^}]*route="\/v1\/messages",model="tiny",status="200"\} [1-9]/);
    expect(metrics, transcript(run)).not.toMatch(/spark_gateway_requests_total\{[^}]*status="[45]\d\d"/);
  }, 260_000);
});
