import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { EvalTaskError } from "../core/index.js";
import type { EvalTask } from "./eval-task.js";
import { isDirectory } from "./eval-task.js";
import { readSuiteText } from "./suite-paths.js";
import { toolchainsFor } from "./toolchains.js";

/**
 * A Terminal-Bench-style suite: one folder per task with the instruction (`instruction.md`, or the
 * `instruction:` of `task.yaml`), an optional `setup.sh` (run in the sandbox on the fresh fixture before
 * the agent starts), `run-tests.sh` and `tests/` (copied in after the agent finished, to `.eval-tests/`;
 * `TEST_DIR` points there). Everything else in the folder is the fixture. There is no container image: the
 * task runs in Spark's sandbox on this machine's programs, so a Dockerfile is not used.
 */
const testsTarget = ".eval-tests";
const notFixture = ["task.yaml", "instruction.md", "setup.sh", "run-tests.sh", "tests", "solution.sh", "solution.yaml", "Dockerfile", "docker-compose.yaml", "docker-compose.yml"];
const exists = (path: string) => stat(path).then((info) => info.isFile(), () => false);

export async function listTerminalBenchTasks(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((entry) => entry.name);
  const isTask = await Promise.all(names.map((name) => exists(join(dir, name, "run-tests.sh"))));
  return names.filter((_, index) => isTask[index]).sort();
}

export async function isTerminalBenchSuite(dir: string): Promise<boolean> {
  return (await listTerminalBenchTasks(dir)).length > 0;
}

/** The `instruction:` of a task.yaml: a one-line value (quoted or not) or a block (`|`, `|-`, `>`). */
export function yamlInstruction(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => /^instruction:/.test(line));
  if (index < 0) return undefined;
  const rest = (lines[index] ?? "").slice("instruction:".length).trim();
  if (!/^[|>][+-]?$/.test(rest)) return rest.replace(/^(["'])(.*)\1$/, "$2") || undefined;
  const block: string[] = [];
  for (const line of lines.slice(index + 1)) {
    if (line.trim() !== "" && !/^\s/.test(line)) break;
    block.push(line);
  }
  const indent = Math.min(...block.filter((line) => line.trim() !== "").map((line) => /^\s*/.exec(line)?.[0].length ?? 0));
  const body = block.map((line) => line.slice(indent));
  return (rest.startsWith(">") ? body.join(" ").replace(/\s+/g, " ") : body.join("\n")).trim() || undefined;
}

async function instructionOf(taskDir: string, name: string): Promise<string> {
  const markdown = (await exists(join(taskDir, "instruction.md"))) ? await readSuiteText(taskDir, join(taskDir, "instruction.md"), name) : undefined;
  if (markdown?.trim()) return markdown.trim();
  const yaml = (await exists(join(taskDir, "task.yaml"))) ? await readSuiteText(taskDir, join(taskDir, "task.yaml"), name) : undefined;
  const fromYaml = yaml === undefined ? undefined : yamlInstruction(yaml);
  if (fromYaml) return fromYaml;
  throw new EvalTaskError(`Eval task "${name}" has no instruction: add instruction.md, or an "instruction:" to task.yaml (${taskDir}).`);
}

export async function loadTerminalBenchTask(dir: string, name: string): Promise<EvalTask> {
  const taskDir = join(dir, name);
  const instruction = await instructionOf(taskDir, name);
  const check = `TEST_DIR="$PWD/${testsTarget}/tests" bash ${testsTarget}/run-tests.sh`;
  const hidden = [{ from: join(taskDir, "run-tests.sh"), to: `${testsTarget}/run-tests.sh` }];
  if (await isDirectory(join(taskDir, "tests"))) hidden.push({ from: join(taskDir, "tests"), to: `${testsTarget}/tests` });
  const setup = (await exists(join(taskDir, "setup.sh"))) ? await readSuiteText(taskDir, join(taskDir, "setup.sh"), name) : undefined;
  return {
    name,
    instruction,
    language: "bash",
    check,
    root: taskDir,
    repoDir: taskDir,
    exclude: notFixture,
    hidden,
    ...(setup ? { setup } : {}),
    toolchains: toolchainsFor("bash", check),
  };
}
