import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyPatch } from "../../src/edits/index.js";
import { patchToolResult } from "../../src/agent/tools/patch-tool-result.js";
import type { ToolContext } from "../../src/agent/tools/tool.js";

/** A fresh temporary workspace holding one file; its path has symlinks resolved, as ToolContext requires. */
export function toolWorkspace(prefix: string, file: string, text: string): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  writeFileSync(join(root, file), text);
  return root;
}

/** The engine the agent wiring uses, without the checkpoint store: a tool's edit really applies. */
export function toolContext(root: string, overrides: Partial<ToolContext> = {}): ToolContext {
  return {
    workspace: root,
    approvalMode: "auto-edit",
    allowNetwork: false,
    applyPatch: async (patch) => patchToolResult(await applyPatch(patch, { workspace: root })),
    ...overrides,
  };
}
