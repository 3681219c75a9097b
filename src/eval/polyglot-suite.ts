import { lstat, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import { errorMessage, EvalTaskError } from "../core/index.js";
import type { EvalTask } from "./eval-task.js";
import { isDirectory } from "./eval-task.js";
import { insideRelative, readSuiteText, suitePath } from "./suite-paths.js";

const exists = (path: string) => lstat(path).then(() => true, () => false);
import { toolchainsFor } from "./toolchains.js";

/**
 * Aider's polyglot benchmark layout: Exercism exercises, `<language>/exercises/practice/<name>/` with
 * `.docs/instructions.md` (and `instructions.append.md`) and `.meta/config.json` naming the solution,
 * test and example files. The agent gets the exercise less its tests, example solution and metadata; the
 * tests go in after it finished.
 */
const practice = join("exercises", "practice");

/** How each language's tests run, offline, in the exercise's folder. */
const checks: Record<string, string> = {
  python: "python3 -m unittest discover -s . -p '*_test.py'",
  javascript: "npm test",
  go: "go test ./...",
  rust: "cargo test --offline -- --include-ignored",
  cpp: "cmake -S . -B build -DEXERCISM_RUN_ALL_TESTS=1 >/dev/null && cmake --build build",
  java: "sh ./gradlew test --offline",
};

const metaConfig = z.object({
  files: z.object({
    solution: z.array(z.string()).default([]),
    test: z.array(z.string()).min(1),
    example: z.array(z.string()).default([]),
  }),
});

/** The language folders of the suite, or the suite itself when it is one language's folder. */
async function languageRoots(dir: string): Promise<{ language: string; root: string; prefix: string }[]> {
  if (await isDirectory(join(dir, practice))) return [{ language: basename(dir), root: join(dir, practice), prefix: "" }];
  const entries = await readdir(dir, { withFileTypes: true });
  const roots = entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((entry) => ({ language: entry.name, root: join(dir, entry.name, practice), prefix: `${entry.name}/` }));
  const present = await Promise.all(roots.map((root) => isDirectory(root.root)));
  return roots.filter((_, index) => present[index]);
}

export async function isPolyglotSuite(dir: string): Promise<boolean> {
  return (await languageRoots(dir)).length > 0;
}

/** Task names, `<language>/<exercise>` (just `<exercise>` for a one-language folder). */
export async function listPolyglotTasks(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const { root, prefix } of await languageRoots(dir)) {
    const entries = await readdir(root, { withFileTypes: true });
    names.push(...entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith(".")).map((entry) => `${prefix}${entry.name}`));
  }
  return names.sort();
}

async function readText(root: string, path: string, name: string, what: string): Promise<string> {
  try {
    return await readSuiteText(root, path, name);
  } catch (error) {
    if (error instanceof EvalTaskError) throw error;
    throw new EvalTaskError(`Eval task "${name}" has no readable ${what} (${path}): ${errorMessage(error)}. Fix the suite, or leave the task out with --tasks.`, { cause: error });
  }
}

export async function loadPolyglotTask(dir: string, name: string): Promise<EvalTask> {
  const [language, exercise] = name.includes("/") ? (name.split("/") as [string, string]) : [basename(dir), name];
  const exerciseDir = name.includes("/") ? join(dir, language, practice, exercise) : join(dir, practice, exercise);
  const configPath = join(exerciseDir, ".meta", "config.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readText(exerciseDir, configPath, name, ".meta/config.json"));
  } catch (error) {
    if (error instanceof EvalTaskError) throw error;
    throw new EvalTaskError(`Eval task "${name}": ${configPath} is not valid JSON (${errorMessage(error)}).`, { cause: error });
  }
  const parsed = metaConfig.safeParse(raw);
  if (!parsed.success) throw new EvalTaskError(`Eval task "${name}": ${configPath} lists no test files (files.test); Aider's polyglot layout needs them.`);
  const { solution, test, example } = parsed.data.files;
  const check = checks[language];
  if (!check) throw new EvalTaskError(`Eval task "${name}": no test command is known for the language "${language}" (known: ${Object.keys(checks).join(", ")}). Leave it out with --tasks.`);
  const docs = await readText(exerciseDir, join(exerciseDir, ".docs", "instructions.md"), name, ".docs/instructions.md");
  const appendPath = join(exerciseDir, ".docs", "instructions.append.md");
  const append = (await exists(appendPath)) ? await readText(exerciseDir, appendPath, name, ".docs/instructions.append.md") : "";
  const files = solution.map((file) => insideRelative(file, name));
  const instruction =
    `${docs.trim()}\n\n${append.trim()}\n\n`.replace(/\n{3,}/g, "\n\n") +
    `Use the above instructions to modify the supplied files: ${files.join(", ")}. Don't change the names of existing functions or classes, as they may be referenced from other code like unit tests. Only use standard libraries; don't install packages.`;
  return {
    name,
    instruction,
    language,
    check,
    root: exerciseDir,
    repoDir: exerciseDir,
    exclude: [".meta", ".docs", ...test.map((file) => insideRelative(file, name)), ...example.map((file) => insideRelative(file, name))],
    hidden: test.map((file) => ({ from: suitePath(exerciseDir, file, name), to: insideRelative(file, name) })),
    toolchains: toolchainsFor(language, check),
  };
}
