import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type ChatBody = { messages: { role: string; content: string | null }[] };
const messagesOf = (request: RecordedRequest) => (request.body as ChatBody).messages;

const patchCall = (patch: string): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: "p1", name: "apply_patch", arguments: JSON.stringify({ patch }) }] });

/** The fast model: lists the files, patches, says it is done; right on the JS task, wrong on the Python one. */
function drafterTurn(request: RecordedRequest): ScriptedReply {
  const messages = messagesOf(request);
  const task = messages.find((message) => message.role === "user")?.content ?? "";
  const toolResults = messages.filter((message) => message.role === "tool").length;
  if (toolResults === 0) return { kind: "tool-calls", calls: [{ id: "l1", name: "list_files", arguments: "{}" }] };
  if (toolResults > 1) return { kind: "text", chunks: ["Done."] };
  if (task.includes("src/math.js")) {
    return patchCall("src/math.js\n<<<<<<< SEARCH\n  return a - b;\n}\n\nfunction multiply(a, b) {\n  return a + b;\n=======\n  return a + b;\n}\n\nfunction multiply(a, b) {\n  return a * b;\n>>>>>>> REPLACE\n");
  }
  return patchCall("fizz.py\n<<<<<<< SEARCH\n    raise NotImplementedError\n=======\n    return []\n>>>>>>> REPLACE\n");
}

const approve: ScriptedReply = { kind: "text", chunks: [JSON.stringify({ verdict: "approve", summary: "fine", risk: "low", comments: [], security: [] })] };

describe("spark eval", () => {
  it("runs two bundled tasks in parallel with scripted models, hides the tests from the agent, and writes the table", async () => {
    const drafter = await startScriptedServer(drafterTurn);
    const reviewer = await startScriptedServer([approve]);
    servers.push(drafter, reviewer);
    const cwd = tempDir("spark-eval-");
    mkdirSync(join(cwd, ".spark"));
    writeFileSync(join(cwd, ".spark", "config.toml"), `[models.coder]\nbase_url = "${drafter.url}"\n[models.critic]\nbase_url = "${reviewer.url}"\n`);
    const out = join(cwd, "results");
    const result = await runSpark(["eval", "-m", "coder", "--review-model", "critic", "--tasks", "js-fix-math,py-fizzbuzz", "--jobs", "2", "--out", out], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);

    const summary = JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as {
      configuration: string;
      passed: number;
      passRate: number;
      results: { task: string; passed: boolean; outcome: string }[];
      models: { model: string; role: string; calls: number; outputTokens: number; tokensPerSecond: number | null }[];
    };
    expect(summary.configuration).toBe("coder + critic");
    expect(summary.results.map((task) => [task.task, task.passed, task.outcome])).toEqual([
      ["js-fix-math", true, "approved"],
      ["py-fizzbuzz", false, "approved"],
    ]);
    expect(summary.passRate).toBe(0.5);
    expect(summary.models).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ model: "coder", role: "drafter", calls: 6 }),
        expect.objectContaining({ model: "critic", role: "reviewer", calls: 2 }),
      ]),
    );
    expect(summary.models.every((model) => model.tokensPerSecond !== null && model.outputTokens > 0)).toBe(true);
    const markdown = readFileSync(join(out, "eval.md"), "utf8");
    expect(markdown).toContain("| coder + critic | 2 | 1 | 50% |");
    expect(markdown).toMatch(/\| js-fix-math \| javascript \| yes \| approved \|/);
    expect(result.stdout).toBe(markdown);

    // The agent listed its workspace: the fixture is there, the hidden tests are not.
    const listings = drafter.requests.map((request) => messagesOf(request).find((message) => message.role === "tool")?.content ?? "").filter(Boolean);
    expect(listings.some((listing) => listing.includes("src/math.js"))).toBe(true);
    expect(listings.some((listing) => listing.includes("fizz.py"))).toBe(true);
    expect(listings.join("\n")).not.toMatch(/hidden|test_fizz/);
    expect(existsSync(join(cwd, "bench"))).toBe(false);
  });

  it("refuses an unknown task, naming the bundled ones", async () => {
    const result = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--tasks", "nope"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("No eval task named nope. Tasks: js-fix-math, js-slugify, py-fizzbuzz, py-parse-duration.");
  });
});
