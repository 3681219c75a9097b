import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

// `spark eval` on suites in the documented layouts, each written here (nothing copied from a real suite).

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;
const hasGo = spawnSync("go", ["version"]).status === 0;

type ChatBody = { messages: { role: string; content: string | null }[] };
const messagesOf = (request: RecordedRequest) => (request.body as ChatBody).messages;
const userTask = (request: RecordedRequest) => messagesOf(request).find((message) => message.role === "user")?.content ?? "";
const toolOutputs = (server: ScriptedServer) => server.requests.flatMap((request) => messagesOf(request).filter((message) => message.role === "tool").map((message) => message.content ?? ""));
const patchCall = (patch: string): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: "p1", name: "apply_patch", arguments: JSON.stringify({ patch }) }] });
const approve: ScriptedReply = { kind: "text", chunks: [JSON.stringify({ verdict: "approve", summary: "fine", risk: "low", comments: [], security: [] })] };

/** The clone of a cached suite that the next run takes (the cache keeps versions: src/eval/suite-cache.ts). */
const currentClone = (suiteRoot: string): string => join(suiteRoot, readFileSync(join(suiteRoot, "current"), "utf8"));

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** Lists the files, applies `patch` for the task whose instruction contains its key, then says it is done. */
function drafter(patches: Record<string, string>) {
  return (request: RecordedRequest): ScriptedReply => {
    const done = messagesOf(request).filter((message) => message.role === "tool").length;
    if (done === 0) return { kind: "tool-calls", calls: [{ id: "l1", name: "list_files", arguments: "{}" }] };
    const patch = Object.entries(patches).find(([key]) => userTask(request).includes(key))?.[1];
    if (done === 1 && patch) return patchCall(patch);
    return { kind: "text", chunks: ["Done."] };
  };
}

function configDir(models: Record<string, string>): string {
  const cwd = tempDir("spark-evalcwd-");
  mkdirSync(join(cwd, ".spark"));
  const prices = `[review.prices]\ncoder = { input = 1.0, output = 2.0 }\n`;
  writeFileSync(join(cwd, ".spark", "config.toml"), `${Object.entries(models).map(([name, url]) => `[models.${name}]\nbase_url = "${url}"\n`).join("")}${prices}`);
  return cwd;
}

interface Summary {
  configuration: string;
  tasks: number;
  passed: number;
  skipped: number;
  passRate: number;
  passRateInterval: [number, number];
  inputTokens: number;
  outputTokens: number;
  tokensPerSecond: number | null;
  ttftMs: number | null;
  cost: number | null;
  reviewRounds: number;
  results: { task: string; passed: boolean; outcome: string; skipped?: string }[];
}
const summaries = (out: string) => (JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { layout: string; configurations: Summary[] }).configurations;
const outcomes = (summary: Summary) => summary.results.map((result) => [result.task, result.skipped ?? result.passed]);

/** Aider's polyglot layout: a Python exercise (unittest) and a Go one. */
function polyglotSuite(): string {
  const suite = tempDir("spark-polyglot-");
  const exercise = join(suite, "python", "exercises", "practice", "two-fer");
  writeFiles(exercise, {
    ".docs/instructions.md": "# Two-fer\n\nTWO-FER: return \"One for X, one for me.\", X defaulting to \"you\".\n",
    ".meta/config.json": JSON.stringify({ authors: ["tests"], files: { solution: ["two_fer.py"], test: ["two_fer_test.py"], example: [".meta/example.py"] } }),
    ".meta/example.py": "def two_fer(name='you'):\n    return f'One for {name}, one for me.'\n",
    "two_fer.py": "def two_fer(name='you'):\n    pass\n",
    "two_fer_test.py": "import unittest\nfrom two_fer import two_fer\n\nclass TwoFerTest(unittest.TestCase):\n    def test_name(self):\n        self.assertEqual(two_fer('Alice'), 'One for Alice, one for me.')\n\n    def test_default(self):\n        self.assertEqual(two_fer(), 'One for you, one for me.')\n",
  });
  // A hostile suite's link to a secret of this machine: never copied into the workspace.
  const secret = join(tempDir("spark-secret-"), "id_key");
  writeFileSync(secret, "TOPSECRET\n");
  symlinkSync(secret, join(exercise, "notes.txt"));
  writeFiles(join(suite, "go", "exercises", "practice", "hello"), {
    ".docs/instructions.md": "HELLO: return Hello, World!\n",
    ".meta/config.json": JSON.stringify({ files: { solution: ["hello.go"], test: ["hello_test.go"], example: [".meta/example.go"] } }),
    "hello.go": "package hello\n",
    "hello_test.go": "package hello\n",
    "go.mod": "module hello\n\ngo 1.21\n",
  });
  return suite;
}

const twoFerPatch = "two_fer.py\n<<<<<<< SEARCH\n    pass\n=======\n    return f'One for {name}, one for me.'\n>>>>>>> REPLACE\n";

describe.skipIf(!hasBwrap)("spark eval on Aider's polyglot layout", () => {
  it("compares configurations side by side, hides tests and examples, skips a missing toolchain, and resumes a killed run", async () => {
    const coder = await startScriptedServer(drafter({ "TWO-FER": twoFerPatch }));
    const critic = await startScriptedServer(() => approve);
    servers.push(coder, critic);
    const suite = polyglotSuite();
    const cwd = configDir({ coder: coder.url, critic: critic.url });
    const out = join(cwd, "run");
    const args = ["eval", "--suite", suite, "--configs", "coder,coder+critic", "--jobs", "2", "--out", out];
    const first = await runSpark(args, { cwd, timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(0);

    const [alone, reviewed] = summaries(out) as [Summary, Summary];
    expect(alone.configuration).toBe("coder");
    expect(reviewed.configuration).toBe("coder + critic");
    const goOutcome = hasGo ? expect.anything() : "missing go";
    expect(outcomes(alone)).toEqual([["go/hello", goOutcome], ["python/two-fer", true]]);
    expect(outcomes(reviewed)).toEqual([["go/hello", goOutcome], ["python/two-fer", true]]);
    if (!hasGo) expect(alone).toMatchObject({ tasks: 2, passed: 1, skipped: 1, passRate: 1 });
    expect(alone.inputTokens).toBeGreaterThan(0);
    expect(alone.outputTokens).toBeGreaterThan(0);
    expect(alone.tokensPerSecond).not.toBeNull();
    expect(alone.cost).toBeGreaterThan(0);
    expect(reviewed.reviewRounds).toBeGreaterThanOrEqual(1);
    expect(alone.passRateInterval[0]).toBeGreaterThan(0);
    expect(alone.passRateInterval[1]).toBe(1);

    const markdown = readFileSync(join(out, "eval.md"), "utf8");
    expect(markdown).toContain("| configuration | tasks | passed | skipped | pass rate | 95% interval |");
    expect(markdown).toMatch(/\| python\/two-fer \| python \| pass \(.*\) \| pass \(approved, .*\) \|/);
    if (!hasGo) expect(markdown).toContain("| go/hello | go | skipped: missing go | skipped: missing go |");
    expect(markdown).toContain("| coder + critic vs coder | ");
    // eval.md is the table printed, then the chart (inline SVG), also written alone as eval.svg.
    expect(markdown.startsWith(first.stdout)).toBe(true);
    const svg = readFileSync(join(out, "eval.svg"), "utf8");
    expect(markdown).toContain(`## Speed against pass rate\n\n${svg.trim()}`);
    expect(svg.match(/<circle /g)).toHaveLength(2);

    // The agent saw the stub, never the tests, the example solution or the metadata.
    const listing = toolOutputs(coder).filter((output) => output.includes("two_fer.py")).join("\n");
    expect(listing).toContain("two_fer.py");
    expect(listing).not.toMatch(/two_fer_test|example|\.meta|\.docs|notes\.txt/);
    expect(JSON.stringify([...coder.requests, ...critic.requests].map((request) => request.body))).not.toContain("TOPSECRET");
    expect(userTask(coder.requests[0] as RecordedRequest)).toContain("modify the supplied files: two_fer.py");

    // A run killed mid-write: the last result is lost and a line is cut short. Only that task runs again.
    const journal = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n");
    expect(journal).toHaveLength(4);
    writeFileSync(join(out, "results.jsonl"), `${journal.slice(0, 3).join("\n")}\n{"suite":"${suite}","configur`);
    const requestsBefore = coder.requests.length;
    const reviewsBefore = critic.requests.length;
    const second = await runSpark(args, { cwd, timeoutMs: 120_000 });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/coder: 2 task\(s\) already in .*, 0 to run/);
    expect(second.stderr).toMatch(/coder \+ critic: 1 task\(s\) already in .*, 1 to run/);
    expect(coder.requests.length - requestsBefore).toBe(3);
    expect(critic.requests.length - reviewsBefore).toBe(1);
    expect(summaries(out).map(outcomes)).toEqual([outcomes(alone), outcomes(reviewed)]);
  });

  it("refuses an exercise whose instructions lead outside it, before any model call", async () => {
    const suite = polyglotSuite();
    const docs = join(suite, "python", "exercises", "practice", "two-fer", ".docs");
    spawnSync("rm", ["-rf", docs]);
    const secrets = tempDir("spark-secret-docs-");
    writeFileSync(join(secrets, "instructions.md"), "TOPSECRET\n");
    symlinkSync(secrets, docs);
    const coder = await startScriptedServer(drafter({}));
    servers.push(coder);
    const cwd = configDir({ coder: coder.url });
    const result = await runSpark(["eval", "-m", "coder", "--suite", suite, "--tasks", "python/two-fer", "--out", join(cwd, "run")], { cwd, timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("leads outside the task's folder");
    expect(coder.requests).toHaveLength(0);
  });

  it("picks tasks by glob and limit, and refuses a selection that picks nothing", async () => {
    const suite = polyglotSuite();
    const none = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--suite", suite, "--tasks", "rust/*"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--tasks rust/* picks no task");
    expect(none.stderr).toContain("go/hello, python/two-fer");

    const coder = await startScriptedServer(drafter({ "TWO-FER": twoFerPatch }));
    servers.push(coder);
    const cwd = configDir({ coder: coder.url });
    const out = join(cwd, "run");
    const result = await runSpark(["eval", "-m", "coder", "--suite", suite, "--tasks", "python/*,go/*", "--limit", "1", "--out", out, "--json"], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as { layout: string; configurations: Summary[] };
    expect(printed.layout).toBe("polyglot");
    expect(printed.configurations[0]?.results.map((task) => task.task)).toEqual(["go/hello"]);
  });
});

describe.skipIf(!hasBwrap)("spark eval on a Terminal-Bench-style suite", () => {
  it("runs set-up and tests in the sandbox, applies the tests after the agent, replaces what it planted there, and skips a broken set-up", async () => {
    const suite = tempDir("spark-tbench-");
    const outside = join(tempDir("spark-tbench-outside-"), "pwned");
    const tests = "grep -qx 42 answer.txt && grep -qx secret \"$TEST_DIR/expected.txt\"\n";
    writeFiles(join(suite, "copy-number"), {
      "task.yaml": "instruction: |\n  COPY: write the number in data.txt\n  to answer.txt.\ndifficulty: easy\n",
      "setup.sh": `echo 42 > data.txt\necho pwned > ${outside} 2>/dev/null; true\n`,
      "run-tests.sh": tests,
      "tests/expected.txt": "secret\n",
      "solution.sh": "cp data.txt answer.txt\n",
      "README.txt": "the fixture\n",
    });
    writeFiles(join(suite, "cheat"), { "instruction.md": "CHEAT: make the tests pass.\n", "setup.sh": "echo 7 > data.txt\n", "run-tests.sh": tests, "tests/expected.txt": "secret\n" });
    writeFiles(join(suite, "broken"), { "instruction.md": "BROKEN\n", "setup.sh": "exit 3\n", "run-tests.sh": "true\n" });
    chmodSync(join(suite, "copy-number", "run-tests.sh"), 0o755);
    const coder = await startScriptedServer(
      drafter({
        COPY: "*** Begin Patch\n*** Add File: answer.txt\n+42\n*** End Patch\n",
        CHEAT: "*** Begin Patch\n*** Add File: .eval-tests/run-tests.sh\n+exit 0\n*** Add File: .eval-tests/tests/extra.txt\n+x\n*** End Patch\n",
      }),
    );
    servers.push(coder);
    const cwd = configDir({ coder: coder.url });
    const out = join(cwd, "run");
    const result = await runSpark(["eval", "-m", "coder", "--suite", suite, "--out", out], { cwd, timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const [summary] = summaries(out) as [Summary];
    expect(outcomes(summary)).toEqual([
      ["broken", "set-up failed"],
      ["cheat", false],
      ["copy-number", true],
    ]);
    expect(summary).toMatchObject({ tasks: 3, passed: 1, skipped: 1, passRate: 0.5 });

    // The set-up ran on the fixture before the agent; the tests, the solution and the task files were not there.
    const listings = toolOutputs(coder).filter((output) => output.includes("data.txt")).join("\n");
    expect(listings).toContain("README.txt");
    expect(listings).not.toMatch(/run-tests|expected|solution|task\.yaml|instruction\.md|setup\.sh/);
    expect(userTask(coder.requests.find((request) => userTask(request).includes("COPY")) as RecordedRequest)).toBe("COPY: write the number in data.txt\nto answer.txt.");
    // The set-up script could not write outside its workspace.
    expect(existsSync(outside)).toBe(false);
  });
});

describe.skipIf(!hasBwrap)("spark eval --suite URL", () => {
  it("clones a git suite once into the cache without running hooks or the user's templates, then reuses it", async () => {
    const source = tempDir("spark-suite-src-");
    writeFiles(source, {
      "one/task.json": JSON.stringify({ instruction: "ONE: write right to answer.txt", language: "shell", check: "grep -qx right answer.txt" }),
      "one/repo/answer.txt": "wrong\n",
      "one/hidden/keep.txt": "\n",
      "two/task.json": JSON.stringify({ instruction: "TWO", language: "shell", check: "true" }),
      "two/repo/a.txt": "a\n",
      "two/hidden/keep.txt": "\n",
    });
    const git = (cwd: string, ...args: string[]) => expect(spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd }).status).toBe(0);
    git(source, "init", "-q");
    git(source, "add", "-A");
    git(source, "commit", "-qm", "suite");
    // Hooks a clone would run: the user's hooksPath and template directory (post-checkout writes a marker).
    const marker = join(tempDir("spark-suite-marker-"), "ran");
    const hooks = tempDir("spark-suite-hooks-");
    writeFiles(hooks, { "post-checkout": `#!/bin/sh\necho ran > ${marker}\n`, "hooks/post-checkout": `#!/bin/sh\necho ran > ${marker}\n` });
    chmodSync(join(hooks, "post-checkout"), 0o755);
    chmodSync(join(hooks, "hooks", "post-checkout"), 0o755);
    const gitConfig = join(hooks, "gitconfig");
    writeFileSync(gitConfig, `[core]\n\thooksPath = ${hooks}\n[init]\n\ttemplateDir = ${hooks}\n`);

    const coder = await startScriptedServer(drafter({ ONE: "answer.txt\n<<<<<<< SEARCH\nwrong\n=======\nright\n>>>>>>> REPLACE\n" }));
    servers.push(coder);
    const cwd = configDir({ coder: coder.url });
    const sparkHome = join(tempDir("spark-suite-home-"), ".spark");
    const env = { SPARK_HOME: sparkHome, GIT_CONFIG_GLOBAL: gitConfig };
    const url = `file://${source}`;
    const run = (out: string, ...more: string[]) => runSpark(["eval", "-m", "coder", "--suite", url, "--out", join(cwd, out), ...more], { cwd, env, timeoutMs: 90_000 });
    const first = await run("a", "--tasks", "one");
    expect(first.code, first.stderr).toBe(0);
    expect(outcomes((summaries(join(cwd, "a")) as [Summary])[0])).toEqual([["one", true]]);
    expect(existsSync(marker)).toBe(false);
    const cached = readdirSync(join(sparkHome, "eval-suites")).filter((name) => !name.startsWith("."));
    expect(cached).toHaveLength(1);
    expect(existsSync(join(currentClone(join(sparkHome, "eval-suites", cached[0] as string)), "one", "task.json"))).toBe(true);

    // The second run reuses the clone: the source is gone, the suite still runs (and --limit picks one).
    spawnSync("rm", ["-rf", source]);
    const second = await run("b", "--limit", "1");
    expect(second.code, second.stderr).toBe(0);
    expect(outcomes((summaries(join(cwd, "b")) as [Summary])[0])).toEqual([["one", true]]);
    expect(readdirSync(join(sparkHome, "eval-suites")).filter((name) => !name.startsWith("."))).toEqual(cached);
  });

  it("--refresh clones the suite again with the same safe-git rules, swaps it in only when complete, and starts the run over", async () => {
    const source = tempDir("spark-refresh-src-");
    const task = (name: string) => ({
      [`${name}/task.json`]: JSON.stringify({ instruction: `${name.toUpperCase()}: write right to answer.txt`, language: "shell", check: "grep -qx right answer.txt" }),
      [`${name}/repo/answer.txt`]: "wrong\n",
      [`${name}/hidden/keep.txt`]: "\n",
    });
    const git = (...args: string[]) => expect(spawnSync("git", ["-c", "user.email=t@t", "-c", "user.name=t", ...args], { cwd: source }).status).toBe(0);
    writeFiles(source, task("one"));
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "one");
    const marker = join(tempDir("spark-refresh-marker-"), "ran");
    const hooks = tempDir("spark-refresh-hooks-");
    writeFiles(hooks, { "hooks/post-checkout": `#!/bin/sh\necho ran > ${marker}\n`, "hooks/post-merge": `#!/bin/sh\necho ran > ${marker}\n` });
    chmodSync(join(hooks, "hooks", "post-checkout"), 0o755);
    chmodSync(join(hooks, "hooks", "post-merge"), 0o755);
    writeFileSync(join(hooks, "gitconfig"), `[core]\n\thooksPath = ${join(hooks, "hooks")}\n[init]\n\ttemplateDir = ${hooks}\n`);
    const patch = "answer.txt\n<<<<<<< SEARCH\nwrong\n=======\nright\n>>>>>>> REPLACE\n";
    const coder = await startScriptedServer(drafter({ ONE: patch, TWO: patch }));
    servers.push(coder);
    const cwd = configDir({ coder: coder.url });
    const sparkHome = join(tempDir("spark-refresh-home-"), ".spark");
    const env = { SPARK_HOME: sparkHome, GIT_CONFIG_GLOBAL: join(hooks, "gitconfig") };
    const out = join(cwd, "run");
    const run = (...more: string[]) => runSpark(["eval", "-m", "coder", "--suite", `file://${source}`, "--out", out, ...more], { cwd, env, timeoutMs: 90_000 });
    expect((await run()).code).toBe(0);

    // A second commit upstream: the cached clone does not have it until --refresh.
    writeFiles(source, task("two"));
    git("add", "-A");
    git("commit", "-qm", "two");
    const stale = await run("--tasks", "two");
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain("No eval task named two");
    const refreshed = await run("--refresh");
    expect(refreshed.code, refreshed.stderr).toBe(0);
    expect(outcomes((summaries(out) as [Summary])[0])).toEqual([["one", true], ["two", true]]);
    // Started over: "one" ran again instead of coming from the journal of the old clone.
    expect(refreshed.stderr).not.toContain("already in");
    expect(existsSync(marker)).toBe(false);
    // The report also went to Spark's database, for the results page of spark serve (the URL shown as given).
    const db = new Database(join(sparkHome, "spark.db"), { readonly: true });
    const stored = db.prepare("SELECT suite, report FROM eval_reports ORDER BY id DESC LIMIT 1").get() as { suite: string; report: string };
    db.close();
    expect(stored.suite).toBe(`file://${source}`);
    expect(stored.report).toBe(readFileSync(join(out, "eval.json"), "utf8"));

    // A refresh that fails (the source is gone) keeps the clone it had.
    spawnSync("rm", ["-rf", source]);
    const failed = await run("--refresh");
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("Could not clone the eval suite");
    const cached = readdirSync(join(sparkHome, "eval-suites")).filter((name) => !name.startsWith("."));
    expect(cached).toHaveLength(1);
    expect(existsSync(join(currentClone(join(sparkHome, "eval-suites", cached[0] as string)), "two", "task.json"))).toBe(true);
    // The clones the earlier runs read are gone with them: only the current one is left.
    expect(readdirSync(join(sparkHome, "eval-suites", cached[0] as string)).filter((name) => name.startsWith("v"))).toHaveLength(1);
    expect(readdirSync(join(sparkHome, "eval-suites")).filter((name) => name.startsWith(".clone-"))).toEqual([]);
  });

  it("never shows the user name or token of a suite URL, not even in git's own clone error", async () => {
    const sparkHome = join(tempDir("spark-secret-url-home-"), ".spark");
    // A closed loopback port: the clone fails at once, and git's message repeats the URL.
    const failed = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--suite", "https://someone:s3cret-token@127.0.0.1:9/suite.git"], { env: { SPARK_HOME: sparkHome } });
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("Could not clone the eval suite https://127.0.0.1:9/suite.git");
    expect(failed.stderr + failed.stdout).not.toContain("s3cret-token");
  });

  it("refuses --refresh for a folder, and --jobs below 1 or above 4 per CPU, before any model call", async () => {
    const folder = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--suite", tempDir("spark-refresh-folder-"), "--refresh"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain("--refresh clones a git suite again: pass it with --suite URL");
    for (const jobs of ["0", "1.5", "100000"]) {
      const result = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--jobs", jobs]);
      expect(result.code, jobs).toBe(2);
      expect(result.stderr, jobs).toMatch(/--jobs expects a positive whole number|--jobs 100000 is more than this machine can run at once: at most \d+ \(4 per CPU/);
    }
  });

  it("refuses a transport other than https, http or file", async () => {
    const result = await runSpark(["eval", "--base-url", "http://127.0.0.1:9/v1", "-m", "x", "--suite", "ext::sh -c 'touch /tmp/x'"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a directory|clones https/);
  });
});
