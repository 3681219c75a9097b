import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { pairedDifference, summarise, wilsonInterval } from "./eval-results.js";
import type { EvalTaskResult } from "./run-eval-task.js";
import { loadSuite } from "./load-suite.js";
import { yamlInstruction } from "./terminal-bench-suite.js";
import { toolchainsFor } from "./toolchains.js";

function suite(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "spark-suite-unit-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const exercise = (config: unknown) => ({
  "python/exercises/practice/leap/.docs/instructions.md": "Leap years.\n",
  "python/exercises/practice/leap/.meta/config.json": JSON.stringify(config),
  "python/exercises/practice/leap/leap.py": "def leap_year(year):\n    pass\n",
});

describe("eval suite loaders", () => {
  it("reads a polyglot exercise: tests hidden, example and metadata excluded", async () => {
    const root = suite(exercise({ files: { solution: ["leap.py"], test: ["leap_test.py"], example: [".meta/example.py"] } }));
    const { layout, tasks } = await loadSuite(root);
    expect(layout).toBe("polyglot");
    expect(tasks).toEqual([
      expect.objectContaining({
        name: "python/leap",
        language: "python",
        exclude: [".meta", ".docs", "leap_test.py", ".meta/example.py"],
        hidden: [{ from: join(root, "python/exercises/practice/leap/leap_test.py"), to: "leap_test.py" }],
        toolchains: ["python3"],
      }),
    ]);
    expect(tasks[0]?.instruction).toMatch(/^Leap years\.\n\nUse the above instructions to modify the supplied files: leap\.py\./);
  });

  it("refuses a suite file list that leaves the exercise", async () => {
    for (const test of ["../../../../etc/passwd", "/etc/passwd"]) {
      const root = suite(exercise({ files: { solution: ["leap.py"], test: [test] } }));
      await expect(loadSuite(root)).rejects.toThrow(/leaves its folder/);
    }
  });

  it("reads a Terminal-Bench-style instruction from task.yaml", () => {
    expect(yamlInstruction("id: x\ninstruction: |-\n  Line one\n    indented\n  two\ndifficulty: easy\n")).toBe("Line one\n  indented\ntwo");
    expect(yamlInstruction("instruction: >\n  folded\n  text\n")).toBe("folded text");
    expect(yamlInstruction('instruction: "one line"\n')).toBe("one line");
    expect(yamlInstruction("author: x\n")).toBeUndefined();
  });

  it("names the toolchains a task needs", () => {
    expect(toolchainsFor("go", "go test ./...")).toEqual(["go"]);
    expect(toolchainsFor("javascript", "npm test")).toEqual(["node", "npm"]);
    expect(toolchainsFor("shell", "cd x && ./t.sh")).toEqual(["sh"]);
  });

  it("gives an honest interval for small suites", () => {
    const [low, high] = wilsonInterval(1, 2);
    expect(low).toBeCloseTo(0.0945, 3);
    expect(high).toBeCloseTo(0.9055, 3);
    expect(wilsonInterval(0, 0)).toEqual([0, 0]);
  });
});

describe("paired difference", () => {
  const result = (task: string, passed: boolean, skipped?: string): EvalTaskResult => ({
    task, language: "python", passed, outcome: "approved", wallMs: 1, accounting: [], detail: "", ttftMs: null, rounds: 1, escalated: false, ...(skipped ? { skipped } : {}),
  });
  it("compares two configurations on the tasks both ran", () => {
    const fast = summarise("fast", "m", "t", [result("a", true), result("b", false), result("c", false), result("d", false, "missing go")]);
    const strong = summarise("strong", "m", "t", [result("a", true), result("b", true), result("c", true), result("d", true)]);
    const paired = pairedDifference(fast, strong);
    expect(paired).toMatchObject({ tasks: 3, onlyBaseline: 0, onlyConfiguration: 2 });
    expect(paired.difference).toBeCloseTo(2 / 3, 5);
    expect(paired.interval[0]).toBeLessThan(paired.difference);
    expect(paired.interval[1]).toBeLessThanOrEqual(1);
    expect(fast).toMatchObject({ tasks: 4, passed: 1, skipped: 1 });
    expect(fast.passRate).toBeCloseTo(1 / 3, 5);
  });
});
