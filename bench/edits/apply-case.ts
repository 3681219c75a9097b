import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { type ApplyReport, applyPatch } from "../../src/edits/index.js";
import type { ExpectedOutcome, PatchCase } from "./corpus-types.js";

/** What a report and the files afterwards say, in the shape a case's expectation has. */
export function outcomeOf(report: ApplyReport, files: Record<string, string>): ExpectedOutcome {
  return {
    status: report.status,
    parseError: report.error?.code === "parse",
    operations: report.operations.map((op) => ({
      kind: op.kind,
      path: op.path,
      status: op.status,
      hunks: op.hunks.map((hunk) => (hunk.status === "applied" ? "applied" : (hunk.error?.code ?? "no_match"))),
    })),
    files,
  };
}

/** Every file under `dir`: "/"-separated relative path -> text. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(dir, path).split("\\").join("/")] = await readFile(path, "utf8");
    }
  };
  await walk(dir);
  return files;
}

/** Writes the case's files under `root`, applies its patch with Spark's engine on disk, and cleans up. */
export async function applyCaseOnDisk(c: PatchCase, root: string, index: number): Promise<{ ms: number; report: ApplyReport; outcome: ExpectedOutcome }> {
  const workspace = join(root, `case-${index}`);
  try {
    await mkdir(workspace, { recursive: true });
    for (const [path, text] of Object.entries(c.files)) {
      await mkdir(dirname(join(workspace, path)), { recursive: true });
      await writeFile(join(workspace, path), text);
    }
    const start = performance.now();
    const report = await applyPatch(c.patch, { workspace });
    const ms = performance.now() - start;
    return { ms, report, outcome: outcomeOf(report, await snapshot(workspace)) };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
