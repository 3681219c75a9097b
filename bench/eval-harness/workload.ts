import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { runSpark, tempDir } from "../../test/support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from "../../test/support/scripted-openai-server.js";

/**
 * The eval harness's own cost, outside the model: a polyglot-layout suite of N Python exercises (written
 * here), an instant scripted upstream that patches each solution in one call, and the built `spark eval`
 * over it. Per task: wall time less model time is the harness's overhead (copying the fixture, git, the
 * toolchain probe, the sandbox, the hidden tests).
 */
export const EVAL_HARNESS_DEFAULTS = { tasks: 20, jobs: 2 };

interface TaskResult {
  task: string;
  passed: boolean;
  wallMs: number;
  accounting: { ms: number }[];
}

export interface EvalHarnessResult {
  machine: string;
  runs: { tasks: number; jobs: number; wallMs: number; passed: number; overheadMs: { mean: number; median: number; max: number } }[];
}

function writeSuite(tasks: number): string {
  const suite = tempDir("spark-bench-suite-");
  for (let index = 0; index < tasks; index++) {
    const dir = join(suite, "python", "exercises", "practice", `ex${String(index).padStart(2, "0")}`);
    const files: Record<string, string> = {
      ".docs/instructions.md": `EXERCISE ${index}: make answer() return ${index}.\n`,
      ".meta/config.json": JSON.stringify({ files: { solution: ["answer.py"], test: ["answer_test.py"], example: [".meta/example.py"] } }),
      ".meta/example.py": `def answer():\n    return ${index}\n`,
      "answer.py": "def answer():\n    pass\n",
      "answer_test.py": `import unittest\nfrom answer import answer\n\nclass AnswerTest(unittest.TestCase):\n    def test_answer(self):\n        self.assertEqual(answer(), ${index})\n`,
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  return suite;
}

function drafter(request: RecordedRequest): ScriptedReply {
  const messages = (request.body as { messages: { role: string; content: string | null }[] }).messages;
  if (messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["Done."] };
  const index = /EXERCISE (\d+)/.exec(messages.find((message) => message.role === "user")?.content ?? "")?.[1] ?? "0";
  const patch = `answer.py\n<<<<<<< SEARCH\n    pass\n=======\n    return ${index}\n>>>>>>> REPLACE\n`;
  return { kind: "tool-calls", calls: [{ id: "p1", name: "apply_patch", arguments: JSON.stringify({ patch }) }] };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function runEvalHarness(log: (line: string) => void): Promise<EvalHarnessResult> {
  const server = await startScriptedServer(drafter);
  const runs: EvalHarnessResult["runs"] = [];
  try {
    for (const { tasks, jobs } of [{ tasks: 4, jobs: 1 }, EVAL_HARNESS_DEFAULTS]) {
      const suite = writeSuite(tasks);
      const cwd = tempDir("spark-bench-evalcwd-");
      mkdirSync(join(cwd, ".spark"));
      writeFileSync(join(cwd, ".spark", "config.toml"), `[models.coder]\nbase_url = "${server.url}"\n`);
      const out = join(cwd, "run");
      const started = performance.now();
      const result = await runSpark(["eval", "-m", "coder", "--suite", suite, "--jobs", String(jobs), "--out", out], { cwd, timeoutMs: 600_000 });
      const wallMs = Math.round(performance.now() - started);
      if (result.code !== 0) throw new Error(`spark eval exited ${result.code}: ${result.stderr.slice(-2000)}`);
      const summary = (JSON.parse(readFileSync(join(out, "eval.json"), "utf8")) as { configurations: { results: TaskResult[] }[] }).configurations[0];
      const results = summary?.results ?? [];
      const overheads = results.map((task) => task.wallMs - task.accounting.reduce((sum, account) => sum + account.ms, 0));
      const run = {
        tasks,
        jobs,
        wallMs,
        passed: results.filter((task) => task.passed).length,
        overheadMs: { mean: Math.round(overheads.reduce((sum, ms) => sum + ms, 0) / Math.max(1, overheads.length)), median: median(overheads), max: Math.max(...overheads) },
      };
      log(`${tasks} tasks, --jobs ${jobs}: ${(wallMs / 1000).toFixed(1)} s, ${run.passed} passed, overhead per task ${run.overheadMs.median} ms (median)`);
      runs.push(run);
    }
  } finally {
    await server.close();
  }
  return { machine: `${cpus().length} vCPU ${cpus()[0]?.model.trim() ?? ""}, Node ${process.version}`, runs };
}

export function evalHarnessMarkdown(result: EvalHarnessResult): string {
  return [
    "# eval harness: overhead per task outside the model",
    "",
    `${result.machine}; scripted upstream (instant, one patch per task); polyglot-layout Python exercises; sandboxed hidden tests.`,
    "",
    "| tasks | --jobs | run wall time | passed | overhead/task mean | median | max |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...result.runs.map((run) => `| ${run.tasks} | ${run.jobs} | ${(run.wallMs / 1000).toFixed(1)} s | ${run.passed} | ${run.overheadMs.mean} ms | ${run.overheadMs.median} ms | ${run.overheadMs.max} ms |`),
    "",
  ].join("\n");
}
