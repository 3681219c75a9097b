import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { startGateway } from "./support/gateway-process.js";
import { jsonEvents, runSpark, tempDir, type SparkResult } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * The local engine's KV cache across processes, through the built CLI and the real engine on the tiny
 * test model: each `spark` run is a new process sharing one Spark home, so whatever the second run does
 * not evaluate came from the disk cache the first one left.
 */

let modelPath: string;
beforeAll(async () => {
  modelPath = await ensureTestModel();
});

interface Home {
  env: Record<string, string>;
  kvDir: string;
}

function home(config = ""): Home {
  const root = tempDir("spark-kv-home-");
  mkdirSync(join(root, ".spark"));
  if (config) writeFileSync(join(root, ".spark", "config.toml"), config);
  return { env: { HOME: root, SPARK_HOME: join(root, ".spark"), SPARK_DEBUG: "1" }, kvDir: join(root, ".spark", "kv-cache") };
}

interface Call {
  inputTokens: number;
  reused: number;
  result: SparkResult;
}

/** The usage and metrics of a run's (last) model call, from its --json events. */
function callOf(result: SparkResult): Call {
  expect(result.code, result.stderr).toBe(0);
  const events = jsonEvents(result.stdout);
  const usage = events.filter((event) => event.type === "usage").at(-1) as { usage: { inputTokens: number; cachedInputTokens: number } } | undefined;
  const metrics = events.filter((event) => event.type === "metrics").at(-1) as { metrics: { promptTokensReused: number } } | undefined;
  if (!usage || !metrics) throw new Error(`no usage or metrics in ${result.stdout.slice(0, 500)}`);
  expect(metrics.metrics.promptTokensReused).toBe(usage.usage.cachedInputTokens);
  return { inputTokens: usage.usage.inputTokens, reused: metrics.metrics.promptTokensReused, result };
}

async function ask(model: string, at: Home, prompt: string): Promise<Call> {
  return callOf(await runSpark(["-m", `local:${model}`, "-t", "0", "--max-tokens", "4", "--context-size", "2048", "--json", prompt], { env: at.env }));
}

const stateFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".kv"));
const prompt = "Explain what a debounce function does and when to use one in a web application.";

describe("KV cache across processes (tiny GGUF, built CLI)", () => {
  it("a new `spark exec` in the same workspace evaluates only its task: the system prompt and tools come from disk", async () => {
    const at = home();
    const workspace = tempDir("spark-kv-ws-");
    const exec = (task: string) =>
      runSpark(["exec", "-m", `local:${modelPath}`, "--context-size", "8192", "--json", "--max-turns", "1", "--max-tokens", "4", task], { env: at.env, cwd: workspace, timeoutMs: 120_000 });
    const first = callOf(await exec("Rename the helper in src/util.ts to formatDate."));
    expect(first.reused).toBe(0);
    expect(statSync(at.kvDir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(at.kvDir)) expect(statSync(join(at.kvDir, name)).mode & 0o777).toBe(0o600);
    const kinds = readdirSync(at.kvDir)
      .filter((name) => name.endsWith(".json"))
      .map((name) => (JSON.parse(readFileSync(join(at.kvDir, name), "utf8")) as { kind: string }).kind);
    expect(kinds.sort()).toEqual(["conversation", "prefix"]);

    const task = "Add a test for parseConfig that covers an empty file.";
    const second = callOf(await exec(task));
    // Thousands of tokens of instructions and tool definitions were restored; only the task (at most a
    // token per character in the test vocabulary, and the template's few around it) was evaluated.
    expect(second.inputTokens).toBeGreaterThan(1000);
    expect(second.inputTokens - second.reused).toBeLessThanOrEqual(task.length + 16);
  }, 300_000);

  it("restores a conversation in a second process, and not once the model file changed", async () => {
    const at = home();
    const model = join(tempDir("spark-kv-model-"), "copy.gguf");
    copyFileSync(modelPath, model);
    const first = await ask(model, at, prompt);
    expect(first.reused).toBe(0);
    const second = await ask(model, at, prompt);
    expect(second.reused).toBe(second.inputTokens);
    // The same path, rewritten: its identity (size, time, header) is not the one the states were saved for.
    copyFileSync(modelPath, model);
    utimesSync(model, new Date(), new Date(Date.now() + 60_000));
    const changed = await ask(model, at, prompt);
    expect(changed.reused).toBe(0);
  }, 300_000);

  it("ignores a corrupt cache file with a debug note, and the call runs cold", async () => {
    const at = home();
    await ask(modelPath, at, prompt);
    const [state] = stateFiles(at.kvDir);
    if (!state) throw new Error("no state saved");
    const bytes = readFileSync(join(at.kvDir, state));
    for (let index = bytes.length - 2000; index < bytes.length; index += 7) bytes[index] = 0xff;
    writeFileSync(join(at.kvDir, state), bytes);
    writeFileSync(join(at.kvDir, `${state.slice(0, 16)}-not-json.json`), "\u0000garbage");
    const next = await ask(modelPath, at, prompt);
    expect(next.reused).toBe(0);
    expect(next.result.stderr).toMatch(/kv cache: .* ignored: its contents changed since it was written/);
    expect(next.result.stderr).toMatch(/kv cache: .*not-json\.json ignored/);
  }, 300_000);

  it("keeps within kv_cache_max_bytes: the least recently used conversation is evicted", async () => {
    const probe = home();
    await ask(modelPath, probe, prompt);
    const [state] = stateFiles(probe.kvDir);
    if (!state) throw new Error("no state saved");
    const size = statSync(join(probe.kvDir, state)).size;
    // Room for one conversation of this length, not two.
    const at = home(`[local]\nkv_cache_max_bytes = ${Math.floor(size * 1.5)}\n`);
    const other = "Write a function that parses an ISO date string and returns the weekday name.";
    await ask(modelPath, at, prompt);
    await ask(modelPath, at, other);
    expect(stateFiles(at.kvDir)).toHaveLength(1);
    const evicted = await ask(modelPath, at, prompt);
    expect(evicted.reused).toBe(0);
    expect(evicted.result.stderr).toMatch(/kv cache: evicted .* least recently used/);
  }, 300_000);

  it("a restarted gateway's next request of the same conversation (prompt_cache_key) evaluates only its new turn", async () => {
    const at = home(`[aliases]\ntiny = "local:${modelPath}"\n`);
    const project = tempDir("spark-kv-gw-");
    const chat = async (url: string, messages: { role: string; content: string }[]) => {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "tiny", max_tokens: 4, temperature: 0, prompt_cache_key: "conversation-1", messages }),
      });
      expect(response.status, await response.clone().text()).toBe(200);
      const body = (await response.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } };
      return { answer: body.choices[0]?.message.content ?? "", prompt: body.usage.prompt_tokens, cached: body.usage.prompt_tokens_details?.cached_tokens ?? 0 };
    };
    const turn1 = [
      { role: "system", content: "You are a careful reviewer of TypeScript code. Answer briefly." },
      { role: "user", content: prompt },
    ];
    const first = await startGateway(project, at.env);
    const one = await chat(first.url, turn1);
    // Stopping saves the conversation (SIGTERM: the runtime is disposed, the engine flushes its states).
    expect(await first.stop()).toBe(0);
    expect(stateFiles(at.kvDir).length).toBeGreaterThan(0);
    const second = await startGateway(project, at.env);
    try {
      const followUp = "And when not to?";
      const two = await chat(second.url, [...turn1, { role: "assistant", content: one.answer }, { role: "user", content: followUp }]);
      expect(two.cached).toBeGreaterThanOrEqual(one.prompt);
      expect(two.prompt - two.cached).toBeLessThanOrEqual(followUp.length + 24);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
