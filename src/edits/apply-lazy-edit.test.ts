import { readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCheckpointWorkspace } from "../../test/support/temp-stores.js";
import type { CheckpointStore } from "../store/index.js";
import { applyLazyEdit } from "./apply-lazy-edit.js";
import { undoCheckpoint } from "./checkpoint-undo.js";
import { formatLazyEditReport } from "./format-lazy-edit-report.js";

let ws: string, home: string, store: CheckpointStore, close: () => void;
beforeEach(() => ({ ws, home, store, close } = openCheckpointWorkspace("spark-lazy")));
afterEach(() => close());

const options = () => ({ workspace: ws, store, locksDir: join(home, "locks") });
const SOURCE = "export function add(a: number, b: number): number {\r\n  return a + b;\r\n}\r\n\r\nexport function sub(a: number, b: number): number {\r\n  return a - b;\r\n}\r\n";

describe("applyLazyEdit", () => {
  it("merges deterministically, keeps the file's line endings, records a checkpoint that undo restores", async () => {
    await writeFile(join(ws, "math.ts"), SOURCE);
    const snippet = "// ... existing code ...\nexport function sub(a: number, b: number): number {\n  return a - b - 0;\n}\n";
    const report = await applyLazyEdit("math.ts", snippet, options());
    expect(report).toMatchObject({ status: "applied", format: "lazy", merge: { method: "deterministic" }, files: [{ path: "math.ts", change: "modified" }] });
    expect(await readFile(join(ws, "math.ts"), "utf8")).toBe(SOURCE.replace("return a - b;", "return a - b - 0;"));
    expect(formatLazyEditReport(report)).toContain("Merged deterministically");
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect(await readFile(join(ws, "math.ts"), "utf8")).toBe(SOURCE);
  });

  it("refuses an ambiguous snippet when no merge model is configured, writing nothing", async () => {
    await writeFile(join(ws, "twice.ts"), "function a() {\n  return 1;\n}\nfunction b() {\n  return 1;\n}\n");
    const report = await applyLazyEdit("twice.ts", "// ...\n  return 1;\n  // note\n// ...", options());
    expect(report.status).toBe("refused");
    expect(report.operations[0]?.error?.message).toMatch(/several places.*No merge model/s);
    expect(await readFile(join(ws, "twice.ts"), "utf8")).toContain("function a");
  });

  it("creates a missing file from a snippet without markers, and refuses one with markers", async () => {
    expect((await applyLazyEdit("new.ts", "export const x = 1;\n", options())).status).toBe("applied");
    expect(await readFile(join(ws, "new.ts"), "utf8")).toBe("export const x = 1;\n");
    const missing = await applyLazyEdit("absent.ts", "// ...\nexport const y = 2;\n", options());
    expect(missing.operations[0]?.error?.code).toBe("file_missing");
  });

  it("refuses protected paths and paths outside the workspace before reading them", async () => {
    await mkdir(join(ws, ".git"));
    await writeFile(join(ws, ".git", "config"), "[core]\n");
    expect((await applyLazyEdit(".git/config", "// ...\n[core]\n  fsmonitor = evil\n", options())).operations[0]?.error?.code).toBe("protected_path");
    expect((await applyLazyEdit("../outside.ts", "x\n", options())).status).toBe("refused");
  });

  it("a dry run reports and writes nothing", async () => {
    await writeFile(join(ws, "math.ts"), SOURCE);
    const report = await applyLazyEdit("math.ts", "// ...\n  return a - b - 0;\n}\n", { ...options(), dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(await readFile(join(ws, "math.ts"), "utf8")).toBe(SOURCE);
  });
});
