import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jsonEvents, runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function scripted(script: ScriptedReply[]): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  servers.push(server);
  return server;
}

const buggyMath = "function add(a, b) {\n  return a - b;\n}\n\nfunction multiply(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add, multiply };\n";
const testJs = 'const assert = require("node:assert");\nconst { add, multiply } = require("./src/math.js");\nassert.strictEqual(add(2, 3), 5, "add is wrong");\nassert.strictEqual(multiply(2, 3), 6, "multiply is wrong");\nconsole.log("all tests passed");\n';

const patch = (path: string, from: string, to: string): ScriptedReply => ({
  kind: "tool-calls",
  calls: [{ id: `c${Math.random().toString(36).slice(2, 8)}`, name: "apply_patch", arguments: JSON.stringify({ patch: `${path}\n<<<<<<< SEARCH\n${from}\n=======\n${to}\n>>>>>>> REPLACE\n` }) }],
});
const say = (text: string): ScriptedReply => ({ kind: "text", chunks: [text] });
const verdict = (value: "approve" | "revise" | "reject", comments: { file: string; line: number | null; comment: string }[] = []): ScriptedReply =>
  say(JSON.stringify({ verdict: value, summary: `${value} summary`, risk: "medium", comments: comments.map((comment) => ({ ...comment, severity: "major" })), security: [] }));

/** A project whose test fails until add and multiply are fixed; the drafter and reviewer are two servers. */
function project(drafter: ScriptedServer, reviewer: ScriptedServer, options: { checks?: string; extra?: string } = {}): string {
  const dir = tempDir("spark-review-");
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, ".spark"));
  writeFileSync(join(dir, "src", "math.js"), buggyMath);
  writeFileSync(join(dir, "test.js"), testJs);
  const config = [
    `[aliases]`,
    `review = "critic"`,
    `[models.coder]`,
    `base_url = "${drafter.url}"`,
    `[models.critic]`,
    `base_url = "${reviewer.url}"`,
    `[review]`,
    `checks = ${options.checks ?? '["node test.js"]'}`,
    options.extra ?? "",
  ];
  writeFileSync(join(dir, ".spark", "config.toml"), `${config.join("\n")}\n`);
  return dir;
}

type ChatBody = { messages: { role: string; content: string | null }[]; response_format?: unknown; tools?: unknown };
const userText = (body: unknown) => ((body as ChatBody).messages.filter((message) => message.role === "user").at(-1)?.content ?? "") as string;

describe("spark exec --review: the fast model drafts, the review model reviews", () => {
  it("drafts, gets a revise verdict with a comment, revises from it, and is approved; the report shows both rounds", async () => {
    const drafter = await scripted([
      patch("src/math.js", "  return a - b;", "  return a + b;"),
      say("Fixed add."),
      patch("src/math.js", "function multiply(a, b) {\n  return a + b;", "function multiply(a, b) {\n  return a * b;"),
      say("Fixed multiply too."),
    ]);
    const reviewer = await scripted([verdict("revise", [{ file: "src/math.js", line: 6, comment: "multiply adds instead of multiplying" }]), verdict("approve")]);
    const cwd = project(drafter, reviewer);
    const result = await runSpark(["exec", "-m", "coder", "--review", "fix the math functions"], { cwd, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toBe(buggyMath.replace("a - b", "a + b").replace("return a + b;\n}\n\nmodule", "return a * b;\n}\n\nmodule"));

    expect(reviewer.requests).toHaveLength(2);
    const first = reviewer.requests[0]?.body as ChatBody;
    expect(first.tools).toBeUndefined();
    expect(first.response_format).toMatchObject({ type: "json_schema", json_schema: { name: "review_verdict", strict: true, schema: { type: "object", additionalProperties: false } } });
    expect(userText(first)).toContain("-  return a - b;");
    expect(userText(first)).toMatch(/node test\.js\nfailed \(exit code 1\)[\s\S]*multiply is wrong/);
    expect(userText(reviewer.requests[1]?.body)).toMatch(/node test\.js\npassed/);
    // The drafter's third call carries the reviewer's comment, anchored to its file and line.
    expect(userText(drafter.requests[2]?.body)).toContain("src/math.js:6 [major] multiply adds instead of multiplying");

    expect(result.stderr).toContain("Review: approved by the reviewer");
    expect(result.stderr).toMatch(/Round 1 · draft by coder[^\n]*\n {2}checks: node test\.js: failed\n {2}verdict: revise/);
    expect(result.stderr).toMatch(/Round 2 · revision by coder[^\n]*\n {2}checks: node test\.js: passed\n {2}verdict: approve/);
    expect(result.stderr).toMatch(/drafter coder: 4 calls .* prompt \+ \d+ output tokens/);
    expect(result.stderr).toMatch(/reviewer review: 2 calls/);
  });

  it("stops after --max-review-rounds with exit 1 when the reviewer still asks for changes", async () => {
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reviewer = await scripted([verdict("revise", [{ file: "src/math.js", line: 6, comment: "still wrong" }])]);
    const cwd = project(drafter, reviewer);
    const result = await runSpark(["exec", "-m", "coder", "--review", "--max-review-rounds", "1", "--json", "fix add"], { cwd });
    expect(result.code).toBe(1);
    const report = jsonEvents(result.stdout).at(-1) as { type: string; report: { outcome: string; rounds: unknown[] } };
    expect(report).toMatchObject({ type: "report", report: { outcome: "revise-limit" } });
    expect(report.report.rounds).toHaveLength(1);
    expect(reviewer.requests).toHaveLength(1);
  });

  it("escalates a change whose checks fail, without --review, and says why", async () => {
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reviewer = await scripted([verdict("reject", [{ file: "src/math.js", line: null, comment: "multiply still fails" }])]);
    const cwd = project(drafter, reviewer);
    const result = await runSpark(["exec", "-m", "coder", "fix add"], { cwd });
    expect(result.code).toBe(1);
    expect(reviewer.requests).toHaveLength(1);
    expect(result.stderr).toContain("Escalated (review): checks failed: node test.js");
    expect(result.stderr).toContain("Review: rejected by the reviewer");
  });

  it("escalates a change to a security-sensitive path; --no-escalate turns it off", async () => {
    const addAuth = (): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: "a1", name: "apply_patch", arguments: JSON.stringify({ patch: "*** Begin Patch\n*** Add File: src/auth/session.js\n+module.exports = { ttl: 3600 };\n*** End Patch" }) }] });
    const drafter = await scripted([addAuth(), say("Added the session settings.")]);
    const reviewer = await scripted([verdict("approve")]);
    const cwd = project(drafter, reviewer, { checks: "[]" });
    const escalated = await runSpark(["exec", "-m", "coder", "add session settings"], { cwd });
    expect(escalated.code, escalated.stderr).toBe(0);
    expect(escalated.stderr).toContain("src/auth/session.js is security-sensitive (matches **/auth/**)");
    expect(escalated.stderr).toContain("Review: approved by the reviewer");
    expect(reviewer.requests).toHaveLength(1);

    const drafter2 = await scripted([addAuth(), say("Added the session settings.")]);
    const reviewer2 = await scripted([verdict("reject")]);
    const cwd2 = project(drafter2, reviewer2, { checks: "[]" });
    const plain = await runSpark(["exec", "-m", "coder", "--no-escalate", "add session settings"], { cwd: cwd2 });
    expect(plain.code, plain.stderr).toBe(0);
    expect(reviewer2.requests).toHaveLength(0);
    expect(plain.stderr).not.toContain("Escalat");
  });

  it("hands an escalated change to the review model outright in handoff mode", async () => {
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reviewer = await scripted([patch("src/math.js", "function multiply(a, b) {\n  return a + b;", "function multiply(a, b) {\n  return a * b;"), say("Fixed multiply."), verdict("approve")]);
    const cwd = project(drafter, reviewer, { extra: '[review.escalate]\nmode = "handoff"' });
    const result = await runSpark(["exec", "-m", "coder", "fix add"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("Escalated (handoff): checks failed: node test.js");
    expect(result.stderr).toContain("Review: handed off to the review model");
    // The handed-off change is reviewed (a verdict request, with the handoff's passing checks) before it is done.
    expect(result.stderr).toMatch(/Round 2 · handoff by review[^\n]*\n {2}checks: node test\.js: passed\n {2}verdict: approve/);
    expect(userText(reviewer.requests[0]?.body)).toContain("Why it was handed to you: checks failed: node test.js");
    expect((reviewer.requests[2]?.body as ChatBody).response_format).toBeDefined();
    expect(userText(reviewer.requests[2]?.body)).toMatch(/\+ {2}return a \* b;[\s\S]*node test\.js\npassed/);
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toContain("return a * b;");
  });

  it("decides escalation again after each revision: a revision to a security path is handed off, and the handoff is reviewed and revised until approved", async () => {
    const addAuth = (): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: "a1", name: "apply_patch", arguments: JSON.stringify({ patch: "*** Begin Patch\n*** Add File: src/auth/session.js\n+module.exports = { ttl: 3600 };\n*** End Patch" }) }] });
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add."), addAuth(), say("Added session settings as asked.")]);
    const reviewer = await scripted([
      verdict("revise", [{ file: "src/math.js", line: 2, comment: "also add the session settings the task asks for" }]),
      say("Kept the session settings."),
      verdict("revise", [{ file: "src/auth/session.js", line: 1, comment: "an hour is too long for a session" }]),
      patch("src/auth/session.js", "module.exports = { ttl: 3600 };", "module.exports = { ttl: 600 };"),
      say("Shortened the session."),
      verdict("approve"),
    ]);
    const cwd = project(drafter, reviewer, { checks: "[]", extra: '[review.escalate]\nmode = "handoff"' });
    const result = await runSpark(["exec", "-m", "coder", "--review", "--max-review-rounds", "4", "fix add and add session settings"], { cwd, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    // The draft touched no sensitive path: reviewed (--review), not escalated. Its revision did: handed off.
    expect(result.stderr).toContain("Escalating (handoff) after round 2: src/auth/session.js is security-sensitive (matches **/auth/**)");
    expect(result.stderr).not.toContain("after round 1");
    expect(userText(reviewer.requests[1]?.body)).toContain("Why it was handed to you: src/auth/session.js is security-sensitive");
    expect(result.stderr).toMatch(/Round 3 · handoff by review[^\n]*\n[^\n]*\n {2}verdict: revise/);
    expect(result.stderr).toMatch(/Round 4 · handoff by review[^\n]*\n[^\n]*\n {2}verdict: approve/);
    expect(userText(reviewer.requests[3]?.body)).toContain("src/auth/session.js:1 [major] an hour is too long for a session");
    expect(result.stderr).toContain("Review: handed off to the review model");
    expect(readFileSync(join(cwd, "src", "auth", "session.js"), "utf8")).toBe("module.exports = { ttl: 600 };\n");
    expect(reviewer.requests).toHaveLength(6);
  });

  it("fails (exit 1) a handoff whose checks still fail, saying why", async () => {
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reviewer = await scripted([say("I looked; it is fine as it is.")]);
    const cwd = project(drafter, reviewer, { extra: '[review.escalate]\nmode = "handoff"' });
    const result = await runSpark(["exec", "-m", "coder", "fix add"], { cwd });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/Round 2 · handoff by review[^\n]*\n {2}checks: node test\.js: failed/);
    expect(result.stderr).toContain("The review model's handoff still fails its checks (node test.js)");
    expect(result.stderr).not.toContain("Review: handed off to the review model");
  });

  it("gives the handoff agent the review model's context policy: a long handoff compacts", async () => {
    const isSummary = (body: unknown) => (body as ChatBody).messages.at(-1)?.content?.includes("Summarise them for yourself") ?? false;
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reads = [1, 51, 101, 151, 201, 251].map((line): ScriptedReply => ({ kind: "tool-calls", calls: [{ id: `r${line}`, name: "read_file", arguments: JSON.stringify({ path: "NOTES.md", start_line: line }) }] }));
    const steps = [...reads, patch("src/math.js", "function multiply(a, b) {\n  return a + b;", "function multiply(a, b) {\n  return a * b;"), say("Fixed multiply.")];
    let step = 0;
    const reviewer = await startScriptedServer((request) => {
      if ((request.body as ChatBody).response_format) return verdict("approve");
      return isSummary(request.body) ? say("Decisions: fix multiply in src/math.js.") : (steps[Math.min(step++, steps.length - 1)] as ScriptedReply);
    });
    servers.push(reviewer);
    const cwd = project(drafter, reviewer, { extra: '[review.escalate]\nmode = "handoff"\n[context]\ntool_output_max_bytes = 3000' });
    const config = join(cwd, ".spark", "config.toml");
    writeFileSync(config, `context_size = 6000\n${readFileSync(config, "utf8")}`);
    const notes = Array.from({ length: 300 }, (_, index) => `note ${index + 1}: ${"the quick brown fox jumps over the lazy dog ".repeat(3)}`);
    writeFileSync(join(cwd, "NOTES.md"), `${notes.join("\n")}\n`);
    const result = await runSpark(["exec", "-m", "coder", "fix add"], { cwd, timeoutMs: 60_000 });
    expect(result.code, result.stderr).toBe(0);
    expect(reviewer.requests.some((request) => isSummary(request.body))).toBe(true);
    expect(result.stderr).toContain("context compacted");
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toContain("return a * b;");
  });

  it("reports a clear error when the remote reviewer's answer twice does not parse", async () => {
    const drafter = await scripted([patch("src/math.js", "  return a - b;", "  return a + b;"), say("Fixed add.")]);
    const reviewer = await scripted([say("Looks good to me!")]);
    const cwd = project(drafter, reviewer);
    const result = await runSpark(["exec", "-m", "coder", "--review", "fix add"], { cwd });
    expect(result.code).toBe(1);
    expect(reviewer.requests).toHaveLength(2);
    expect(result.stderr).toMatch(/did not return a valid verdict after 2 attempts: its answer is not JSON/);
  });
});

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "user.email=test@example.com", "-c", "user.name=test", ...args], { cwd, stdio: "pipe" });
}

function stagedRepo(): string {
  const dir = tempDir("spark-review-git-");
  git(dir, "init", "-q");
  writeFileSync(join(dir, "math.js"), buggyMath);
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "base");
  writeFileSync(join(dir, "math.js"), buggyMath.replace("a - b", "a + b"));
  git(dir, "add", "-A");
  return dir;
}

describe("spark review: a change made by anyone", () => {
  it("reviews the staged change; the exit code follows the verdict", async () => {
    const reviewer = await scripted([verdict("revise", [{ file: "math.js", line: 6, comment: "multiply is still wrong" }])]);
    const cwd = stagedRepo();
    const result = await runSpark(["review", "--staged", "--base-url", reviewer.url, "--review-model", "critic", "--task", "fix the math"], { cwd });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain("verdict: revise");
    expect(result.stdout).toContain("math.js:6 [major] multiply is still wrong");
    const prompt = userText(reviewer.requests[0]?.body);
    expect(prompt).toContain("fix the math");
    expect(prompt).toContain("+  return a + b;");

    const approving = await scripted([verdict("approve")]);
    const approved = await runSpark(["review", "--staged", "--base-url", approving.url, "--review-model", "critic"], { cwd });
    expect(approved.code, approved.stderr).toBe(0);
  });

  it("runs the checks on the reviewed revision: a range's tip, the staged state, not the working tree", async () => {
    const cwd = tempDir("spark-review-git-");
    git(cwd, "init", "-q");
    writeFileSync(join(cwd, "math.js"), buggyMath);
    writeFileSync(join(cwd, "test.js"), testJs.replace("./src/math.js", "./math.js"));
    mkdirSync(join(cwd, ".spark"));
    writeFileSync(join(cwd, ".spark", "config.toml"), '[review]\nchecks = ["node test.js"]\n');
    git(cwd, "add", "-A");
    git(cwd, "commit", "-qm", "base");
    const fixed = buggyMath.replace("a - b", "a + b").replace("return a + b;\n}\n\nmodule", "return a * b;\n}\n\nmodule");
    writeFileSync(join(cwd, "math.js"), fixed);
    git(cwd, "commit", "-qam", "fix");
    // The working tree breaks it again; the range base..tip (and the index) hold the fix.
    writeFileSync(join(cwd, "math.js"), buggyMath);
    const reviewer = await scripted([verdict("approve"), verdict("approve")]);
    const range = await runSpark(["review", "--diff", "HEAD~1..HEAD", "--base-url", reviewer.url, "--review-model", "critic"], { cwd });
    expect(range.code, range.stderr).toBe(0);
    expect(range.stderr).toContain("check node test.js: passed");
    expect(userText(reviewer.requests[0]?.body)).toMatch(/node test\.js\npassed/);

    git(cwd, "reset", "-q", "--hard", "HEAD~1");
    writeFileSync(join(cwd, "math.js"), fixed);
    git(cwd, "add", "math.js");
    writeFileSync(join(cwd, "math.js"), buggyMath);
    const staged = await runSpark(["review", "--staged", "--base-url", reviewer.url, "--review-model", "critic"], { cwd });
    expect(staged.code, staged.stderr).toBe(0);
    expect(staged.stderr).toContain("check node test.js: passed");
    expect(execFileSync("git", ["worktree", "list"], { cwd, encoding: "utf8" }).trim().split("\n")).toHaveLength(1);
  });

  it("asks a Responses API reviewer for the verdict through text.format", async () => {
    const reviewer = await scripted([verdict("approve")]);
    const cwd = stagedRepo();
    mkdirSync(join(cwd, ".spark"));
    writeFileSync(join(cwd, ".spark", "config.toml"), `[models.critic]\nbase_url = "${reviewer.url}"\napi = "responses"\n`);
    const result = await runSpark(["review", "--staged", "--review-model", "critic"], { cwd });
    expect(result.code, result.stderr).toBe(0);
    expect(reviewer.requests[0]?.path).toBe("/v1/responses");
    expect(reviewer.requests[0]?.body).toMatchObject({ text: { format: { type: "json_schema", name: "review_verdict", strict: true } } });
  });

  it("holds a local model to the verdict schema with a grammar: the tiny model's verdict always parses", async () => {
    const model = await ensureTestModel();
    const cwd = stagedRepo();
    for (const seed of ["0.2", "0.9"]) {
      const result = await runSpark(["review", "--staged", "--review-model", `local:${model}`, "--temperature", seed, "--json"], { cwd, timeoutMs: 60_000 });
      expect(result.stderr).not.toContain("spark:");
      const parsed = JSON.parse(result.stdout) as { verdict: { verdict: string; comments: unknown[] } };
      expect(["approve", "revise", "reject"]).toContain(parsed.verdict.verdict);
      expect(result.code).toBe(parsed.verdict.verdict === "approve" ? 0 : 1);
    }
  });
});
