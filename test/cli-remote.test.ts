import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jsonEvents, runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const noStackTrace = /^\s+at .+\(.*:\d+:\d+\)$/m;

describe("spark against an OpenAI-compatible server (--base-url)", () => {
  it("streams the answer to stdout and speed figures to stderr; piped stdin joins the prompt", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["const ", "debounce ", "= 1;\n"], usage: { prompt: 21, completion: 3 } }]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "explain"], { stdin: "function f() {}" });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("const debounce = 1;\n");
    expect(result.stderr).toMatch(/TTFT \d+ ms/);
    expect(result.stderr).toContain("21 prompt + 3 output tokens");
    const body = server.requests[0]?.body as { model: string; stream: boolean; messages: { role: string; content: string }[] };
    expect(body.model).toBe("coder");
    expect(body.stream).toBe(true);
    expect(body.messages.at(-1)).toEqual({ role: "user", content: "explain\n\nfunction f() {}" });
  });

  it("prints one JSON event per line with --json, ending with usage, metrics and finish", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["a", "b"], usage: { prompt: 5, completion: 2, acceptedPrediction: 1, rejectedPrediction: 1 } }]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "--json", "hi"]);
    expect(result.code).toBe(0);
    const events = jsonEvents(result.stdout);
    expect(events.map((event) => event.type)).toEqual(["text-delta", "text-delta", "usage", "metrics", "finish"]);
    expect(events[2]).toMatchObject({ usage: { inputTokens: 5, outputTokens: 2, acceptedPredictionTokens: 1, rejectedPredictionTokens: 1 } });
    expect(events[4]).toEqual({ type: "finish", reason: "stop" });
  });

  it("passes --prediction through as OpenAI Predicted Outputs", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["x"], usage: { prompt: 3, completion: 1, acceptedPrediction: 7, rejectedPrediction: 2 } }]);
    const file = join(tempDir(), "old.ts");
    writeFileSync(file, "export const a = 1;\n");
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "--prediction", file, "rewrite"]);
    expect(result.code).toBe(0);
    expect(server.requests[0]?.body).toMatchObject({ prediction: { type: "content", content: "export const a = 1;\n" } });
    expect(result.stderr).toContain("prediction 7 accepted / 2 rejected");
  });

  it("assembles streamed tool calls", async () => {
    server = await startScriptedServer([{ kind: "tool-calls", calls: [{ id: "call_1", name: "read_file", arguments: '{"path":"src/index.ts","start":1}' }], argumentChunkSize: 5 }]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "--json", "read it"]);
    const events = jsonEvents(result.stdout);
    expect(events).toContainEqual({ type: "tool-call", toolCall: { id: "call_1", name: "read_file", arguments: '{"path":"src/index.ts","start":1}' } });
    expect(events.at(-1)).toEqual({ type: "finish", reason: "tool-calls" });
  });

  it("retries a 429 (honouring Retry-After) and then succeeds", async () => {
    server = await startScriptedServer([
      { kind: "error", status: 429, headers: { "retry-after": "0" } },
      { kind: "text", chunks: ["ok"] },
    ]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "hi"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("ok\n");
    expect(server.requests).toHaveLength(2);
  });

  it("explains a 401 in one paragraph, without a stack trace, and exits non-zero", async () => {
    server = await startScriptedServer([{ kind: "error", status: 401 }]);
    const result = await runSpark(["--base-url", server.url, "--api-key-env", "MY_KEY", "-m", "coder", "hi"], { env: { MY_KEY: "sk-secret-value" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("rejected the API key");
    expect(result.stderr).toContain("$MY_KEY");
    expect(result.stderr).not.toContain("sk-secret-value");
    expect(result.stderr).not.toMatch(noStackTrace);
    expect(server.requests[0]?.headers.authorization).toBe("Bearer sk-secret-value");
  });

  it("Ctrl-C stops at once, keeps the partial answer, closes the connection and exits 130", async () => {
    server = await startScriptedServer([{ kind: "hang-after", chunks: ["partial ", "answer"] }]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "hi"], { interruptAfterChars: "partial answer".length, timeoutMs: 20_000 });
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("partial answer\n");
    expect(result.stderr).toContain("interrupted");
    await server.waitForClientDisconnect(5000);
    expect(server.disconnects).toBe(1);
  });

  it("says the server is unreachable and how to fix it", async () => {
    const result = await runSpark(["--base-url", "http://127.0.0.1:9/v1", "-m", "coder", "hi"], { env: { SPARK_MAX_RETRIES: "0" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Cannot reach http://127.0.0.1:9/v1");
    expect(result.stderr).not.toMatch(noStackTrace);
  });

  it("uses the Responses API for a provider configured with api = \"responses\"", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["from ", "responses"] }]);
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), `[providers.lab]\nbase_url = "${server.url}"\napi = "responses"\n`);
    const result = await runSpark(["-m", "lab/codex-mini", "hi"], { cwd: project });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("from responses\n");
    expect(server.requests[0]?.path).toBe("/v1/responses");
    expect((server.requests[0]?.body as { model: string }).model).toBe("codex-mini");
  });

  it("resolves an alias from the project config and applies its per-model defaults", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["x"] }]);
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    writeFileSync(
      join(project, ".spark", "config.toml"),
      `model = "spark"\n[aliases]\nspark = "fast-coder"\n[models.fast-coder]\nbase_url = "${server.url}"\ntemperature = 0.3\nmax_tokens = 77\n`,
    );
    const result = await runSpark(["hi"], { cwd: project });
    expect(result.code).toBe(0);
    expect(server.requests[0]?.body).toMatchObject({ model: "fast-coder", temperature: 0.3, max_tokens: 77 });
  });
});

describe("spark with nothing usable", () => {
  it("says how to get going when nothing is configured", async () => {
    const result = await runSpark([]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No model is configured");
    expect(result.stderr).toContain("OPENAI_API_KEY");
    expect(result.stderr).toContain("--base-url");
    expect(result.stderr).toContain("local:");
  });

  it("names the missing key for an OpenAI model", async () => {
    const result = await runSpark(["-m", "gpt-5.3-codex-spark", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("OPENAI_API_KEY is not set");
  });

  it("rejects an unknown model name with what is accepted, and how to make it an alias", async () => {
    const result = await runSpark(["-m", "no-such-alias", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown model "no-such-alias"');
    expect(result.stderr).toContain("local:PATH.gguf");
    // The README's examples say `-m spark`: a newcomer without that alias learns how to define it.
    expect(result.stderr).toContain('a line "no-such-alias" = "cerebras/gpt-oss-120b" under the [aliases] table');
  });

  it("rejects an invalid config value naming the file and key", async () => {
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    const file = join(project, ".spark", "config.toml");
    writeFileSync(file, `temperature = "hot"\n[models.x]\ncolour = 1\n`);
    const result = await runSpark(["config"], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain("key `temperature`");
    expect(result.stderr).toContain("unknown key `colour` in `models.x`");
  });

  it("reports a TOML syntax error with its line", async () => {
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), `model = "a"\nmodel = \n`);
    const result = await runSpark(["config"], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/at line 2, column \d+ is not valid TOML/);
  });
});

describe("spark config and spark models", () => {
  it("shows each effective value with its source: project file, profile, environment, flag", async () => {
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    const file = join(project, ".spark", "config.toml");
    writeFileSync(file, `model = "gpt-5.3-codex"\ntemperature = 0.2\n[profiles.fast]\nmodel = "cerebras/gpt-oss-120b"\n`);
    const result = await runSpark(["config", "--json", "--profile", "fast", "--max-tokens", "99"], { cwd: project, env: { SPARK_TEMPERATURE: "0.7" } });
    expect(result.code).toBe(0);
    const { values, files } = JSON.parse(result.stdout) as { values: Record<string, { value: unknown; source: string }>; files: string[] };
    expect(files).toEqual([file]);
    expect(values.model).toEqual({ value: "cerebras/gpt-oss-120b", source: "profile fast" });
    expect(values.temperature).toEqual({ value: 0.7, source: "env SPARK_TEMPERATURE" });
    expect(values.max_tokens).toEqual({ value: 99, source: "flag --max-tokens" });
  });

  it("lists configured models, where each resolves and whether it is usable", async () => {
    const project = tempDir();
    mkdirSync(join(project, ".spark"));
    writeFileSync(join(project, ".spark", "config.toml"), `model = "spark"\n[aliases]\nspark = "groq/llama-3.3-70b"\nreview = "local:./missing.gguf"\n`);
    const result = await runSpark(["models", "--json"], { cwd: project, env: { GROQ_API_KEY: "k" } });
    expect(result.code).toBe(0);
    const { models } = JSON.parse(result.stdout) as { models: { name: string; usable: boolean; detail: string; isDefault: boolean; resolvesTo: string }[] };
    expect(models).toContainEqual(expect.objectContaining({ name: "spark", isDefault: true, usable: true, detail: "key in $GROQ_API_KEY" }));
    expect(models.find((model) => model.name === "spark")?.resolvesTo).toContain("https://api.groq.com/openai/v1");
    expect(models).toContainEqual(expect.objectContaining({ name: "review", usable: false, detail: "file missing" }));
  });
});
