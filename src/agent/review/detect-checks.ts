import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

/** npm's placeholder for a package without tests; running it only ever fails. */
const npmPlaceholderTest = /no test specified/;

async function packageScripts(workspace: string): Promise<Record<string, string>> {
  try {
    const json = JSON.parse(await readFile(join(workspace, "package.json"), "utf8")) as { scripts?: Record<string, string> };
    return json.scripts ?? {};
  } catch {
    return {};
  }
}

async function nodeChecks(workspace: string): Promise<string[]> {
  const scripts = await packageScripts(workspace);
  const checks: string[] = [];
  if (scripts["test"] && !npmPlaceholderTest.test(scripts["test"])) checks.push("npm test");
  if (scripts["lint"]) checks.push("npm run lint");
  return checks;
}

/**
 * The checks a project runs itself, from its own files, when the config names none: its npm test and
 * lint scripts, pytest, go test, cargo test. Nothing is guessed for a project without such files.
 */
export async function detectChecks(workspace: string): Promise<string[]> {
  const names = new Set(await readdir(workspace).catch(() => [] as string[]));
  const checks = names.has("package.json") ? await nodeChecks(workspace) : [];
  if (names.has("pytest.ini") || names.has("pyproject.toml") || names.has("setup.cfg") || names.has("tox.ini")) checks.push("pytest -q");
  if (names.has("go.mod")) checks.push("go test ./...");
  if (names.has("Cargo.toml")) checks.push("cargo test");
  return checks;
}
