import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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

/** The first configuration's summary in the run directory's eval.json. */
const firstSummary = <T>(out: string): T => (JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { configurations: T[] }).configurations[0] as T;

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

    const summary = firstSummary<{
      configuration: string;
      passed: number;
      passRate: number;
      results: { task: string; passed: boolean; outcome: string }[];
      models: { model: string; role: string; calls: number; outputTokens: number; tokensPerSecond: number | null }[];
    }>(out);
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
    expect(markdown).toContain("| coder + critic | 2 | 1 | 0 | 50% |");
    expect(markdown).toMatch(/\| js-fix-math \| javascript \| pass \(approved, /);
    // The terminal shows the same report without the chart, which eval.md ends with.
    const report = result.stdout.replace(/\n$/, "");
    expect(markdown.startsWith(report)).toBe(true);
    expect(markdown.slice(report.length)).toMatch(/^\n\n## Speed against pass rate\n\n<svg [^]*<\/svg>\n$/);

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

const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;
const bundledHidden = resolve(fileURLToPath(new URL("../eval-tasks/js-fix-math/hidden/math.hidden-test.js", import.meta.url)));
const shellCall = (command: string): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: "s1", name: "shell", arguments: JSON.stringify({ command }) }] });
const toolOutputs = (server: ScriptedServer) => server.requests.flatMap((request) => messagesOf(request).filter((message) => message.role === "tool").map((message) => message.content ?? ""));

function writeTask(dir: string, name: string, task: { instruction: string; check: string }, repo: Record<string, string>, hidden?: Record<string, string>): void {
  mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, name, "task.json"), JSON.stringify({ ...task, language: "shell" }));
  for (const [folder, files] of [["repo", repo], ["hidden", hidden]] as const) {
    if (!files) continue;
    mkdirSync(join(dir, name, folder), { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, name, folder, file), text);
  }
}

function evalConfig(url: string): string {
  const cwd = tempDir("spark-evalcwd-");
  mkdirSync(join(cwd, ".spark"));
  writeFileSync(join(cwd, ".spark", "config.toml"), `[models.coder]\nbase_url = "${url}"\n`);
  return cwd;
}

describe.skipIf(!hasBwrap)("spark eval keeps the hidden tests out of the agent's reach", () => {
  it("the agent's shell cannot read the suite's hidden tests", async () => {
    const drafter = await startScriptedServer((request) => {
      const done = messagesOf(request).filter((message) => message.role === "tool").length;
      if (done === 0) return shellCall(`cat ${bundledHidden} || echo not-readable`);
      if (done === 1) return patchCall("src/math.js\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n");
      return { kind: "text", chunks: ["Done."] };
    });
    servers.push(drafter);
    const cwd = evalConfig(drafter.url);
    const result = await runSpark(["eval", "-m", "coder", "--tasks", "js-fix-math", "--out", join(cwd, "results")], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const [shellOutput] = toolOutputs(drafter);
    expect(shellOutput).toContain("not-readable");
    expect(shellOutput).not.toContain("assert.strictEqual");
  });

  it("runs the hidden tests on a fresh fixture with only the agent's change: planted files do not count", async () => {
    const tasksDir = tempDir("spark-evaltasks-");
    const task = (instruction: string) => ({ instruction, check: "sh run-tests.sh" });
    const repo = { "answer.txt": "wrong\n", ".gitignore": ".cache/\n" };
    const hidden = { "run-tests.sh": "if [ -f .cache/verdict ]; then exit 0; fi\ngrep -qx right answer.txt\n" };
    writeTask(tasksDir, "cheat", task("CHEAT: make the tests pass."), repo, hidden);
    writeTask(tasksDir, "honest", task("HONEST: the answer is right."), repo, hidden);
    const drafter = await startScriptedServer((request) => {
      const messages = messagesOf(request);
      const cheat = (messages.find((message) => message.role === "user")?.content ?? "").startsWith("CHEAT");
      if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["Done."] };
      return shellCall(cheat ? "mkdir -p .cache && echo pass > .cache/verdict && echo 'exit 0' > run-tests.sh" : "echo right > answer.txt");
    });
    servers.push(drafter);
    const cwd = evalConfig(drafter.url);
    const out = join(cwd, "results");
    const result = await runSpark(["eval", "-m", "coder", "--tasks-dir", tasksDir, "--out", out], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const summary = firstSummary<{ results: { task: string; passed: boolean }[] }>(out);
    expect(summary.results.map((task) => [task.task, task.passed])).toEqual([
      ["cheat", false],
      ["honest", true],
    ]);
  });
});

describe("spark eval's drafter", () => {
  it("runs with the model's context policy: a long task compacts", async () => {
    const tasksDir = tempDir("spark-evaltasks-");
    const notes = Array.from({ length: 300 }, (_, index) => `note ${index + 1}: ${"the quick brown fox jumps over the lazy dog ".repeat(3)}`).join("\n");
    writeTask(tasksDir, "long", { instruction: "Read NOTES.md, then write the answer.", check: "grep -qx right answer.txt" }, { "NOTES.md": `${notes}\n`, "answer.txt": "wrong\n" }, { "keep.txt": "\n" });
    const isSummary = (request: RecordedRequest) => messagesOf(request).at(-1)?.content?.includes("Summarise them for yourself") ?? false;
    const reads = [1, 51, 101, 151, 201, 251].map((line): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: `r${line}`, name: "read_file", arguments: JSON.stringify({ path: "NOTES.md", start_line: line }) }] }));
    const steps = [...reads, patchCall("answer.txt\n<<<<<<< SEARCH\nwrong\n=======\nright\n>>>>>>> REPLACE\n"), { kind: "text", chunks: ["Done."] } as ScriptedReply];
    let step = 0;
    const drafter = await startScriptedServer((request) => (isSummary(request) ? { kind: "text", chunks: ["Decisions: write right."] } : (steps[Math.min(step++, steps.length - 1)] as ScriptedReply)));
    servers.push(drafter);
    const cwd = evalConfig(drafter.url);
    writeFileSync(join(cwd, ".spark", "config.toml"), `context_size = 6000\n${readFileSync(join(cwd, ".spark", "config.toml"), "utf8")}[context]\ntool_output_max_bytes = 3000\n`);
    const out = join(cwd, "results");
    const result = await runSpark(["eval", "-m", "coder", "--tasks-dir", tasksDir, "--out", out], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(drafter.requests.some(isSummary)).toBe(true);
    const summary = firstSummary<{ results: { task: string; passed: boolean }[] }>(out);
    expect(summary.results).toEqual([expect.objectContaining({ task: "long", passed: true })]);
  });
});

describe("spark eval with a broken task", () => {
  it("refuses the suite before running anything, naming the task and the missing directory", async () => {
    const tasksDir = tempDir("spark-evaltasks-");
    writeTask(tasksDir, "broken", { instruction: "x", check: "true" }, {}, {});
    writeTask(tasksDir, "fine", { instruction: "x", check: "true" }, { "a.txt": "a\n" }, { "t.sh": "true\n" });
    // No repo/ in "broken".
    spawnSync("rm", ["-rf", join(tasksDir, "broken", "repo")]);
    const drafter = await startScriptedServer([{ kind: "text", chunks: ["Done."] }]);
    servers.push(drafter);
    const cwd = evalConfig(drafter.url);
    const result = await runSpark(["eval", "-m", "coder", "--tasks-dir", tasksDir, "--out", join(cwd, "results")], { cwd, timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Eval task "broken" has no repo/`);
    expect(result.stderr).toContain(join(tasksDir, "broken", "repo"));
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(drafter.requests).toHaveLength(0);
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith("spark-eval-broken-"))).toEqual([]);
  });
});
