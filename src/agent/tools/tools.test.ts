import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { collectAgentsInstructions } from "../agents-md.js";
import { listFilesTool } from "./list-files-tool.js";
import { readFileTool } from "./read-file-tool.js";
import { searchTool } from "./search-tool.js";
import type { ToolContext } from "./tool.js";

function workspace(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "spark-tools-")));
  mkdirSync(join(root, "src", "deep"), { recursive: true });
  mkdirSync(join(root, "build"));
  mkdirSync(join(root, ".git"));
  writeFileSync(join(root, ".gitignore"), "build/\n*.log\n");
  writeFileSync(join(root, "src", ".gitignore"), "generated.ts\n");
  writeFileSync(join(root, "src", "main.ts"), Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`).join("\n") + "\n");
  writeFileSync(join(root, "src", "generated.ts"), "export const secretNeedle = 1;\n");
  writeFileSync(join(root, "src", "deep", "util.ts"), "export function needle() {}\n");
  writeFileSync(join(root, "build", "out.js"), "needle\n");
  writeFileSync(join(root, "debug.log"), "needle\n");
  writeFileSync(join(root, ".git", "config"), "needle\n");
  return root;
}

function context(root: string): ToolContext {
  return { workspace: root, approvalMode: "suggest", allowNetwork: false, applyPatch: async () => ({ ok: false, output: "" }) };
}

describe("read_file", () => {
  it("numbers lines and pages long files", async () => {
    const root = workspace();
    const first = await readFileTool.execute({ path: "src/main.ts" }, context(root));
    expect(first.output.split("\n")[0]).toBe("  1| line 1");
    expect(first.output).toContain("read on with start_line 401");
    const range = await readFileTool.execute({ path: "src/main.ts", start_line: 998, end_line: 1200 }, context(root));
    expect(range.output).toBe(" 998| line 998\n 999| line 999\n1000| line 1000");
  });

  it("refuses paths outside the workspace, with the reason", async () => {
    const root = workspace();
    symlinkSync("/etc", join(root, "etc-link"));
    expect((await readFileTool.execute({ path: "../outside" }, context(root))).output).toMatch(/'\.\.'/);
    expect((await readFileTool.execute({ path: "/etc/passwd" }, context(root))).output).toMatch(/absolute path/);
    expect((await readFileTool.execute({ path: "etc-link/passwd" }, context(root))).output).toMatch(/outside the workspace/);
  });

  it("tells the model what was wrong with its arguments", async () => {
    const result = await readFileTool.execute({ path: 3 }, context(workspace()));
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/invalid arguments for read_file: path/);
  });
});

describe("list_files and search", () => {
  it("honour every .gitignore from the root down and skip .git", async () => {
    const root = workspace();
    const listed = (await listFilesTool.execute({}, context(root))).output.split("\n");
    expect(listed).toEqual([".gitignore", "src/", "src/.gitignore", "src/deep/", "src/deep/util.ts", "src/main.ts"]);
    const found = await searchTool.execute({ pattern: "needle", case_sensitive: false }, context(root));
    expect(found.output).toBe("src/deep/util.ts:1: export function needle() {}");
  });

  it("search does not follow a symbolic link out of the workspace", async () => {
    const root = workspace();
    const outside = mkdtempSync(join(tmpdir(), "spark-outside-"));
    writeFileSync(join(outside, "secret.txt"), "needle in a private file\n");
    symlinkSync(join(outside, "secret.txt"), join(root, "notes.txt"));
    const found = await searchTool.execute({ pattern: "private" }, context(root));
    expect(found.output).toBe("No matches.");
  });

  it("reports an invalid regular expression", async () => {
    expect((await searchTool.execute({ pattern: "(" }, context(workspace()))).output).toMatch(/invalid regular expression/);
  });
});

describe("AGENTS.md", () => {
  it("collects instructions from the workspace root down to the working directory", async () => {
    const root = workspace();
    writeFileSync(join(root, "AGENTS.md"), "root rules");
    writeFileSync(join(root, "src", "AGENTS.md"), "src rules");
    writeFileSync(join(root, "src", "deep", "AGENTS.md"), "deep rules");
    const text = await collectAgentsInstructions(root, join(root, "src"));
    expect(text).toBe("From AGENTS.md:\nroot rules\n\nFrom src/AGENTS.md:\nsrc rules");
  });
});
