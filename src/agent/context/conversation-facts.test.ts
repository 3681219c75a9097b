import { describe, expect, it } from "vitest";
import type { Message } from "../../core/index.js";
import { collectFacts, patchPaths, renderState } from "./conversation-facts.js";

const call = (name: string, args: Record<string, unknown>): Message => ({ role: "assistant", content: "", toolCalls: [{ id: name, name, arguments: JSON.stringify(args) }] });

describe("conversation facts", () => {
  it("finds the paths of every patch format", () => {
    const codex = "*** Begin Patch\n*** Update File: src/a.ts\n@@\n-x\n+y\n*** Add File: src/new.ts\n+z\n*** Delete File: old.ts\n*** End Patch";
    const searchReplace = "src/b.ts\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n";
    expect(patchPaths(codex)).toEqual(["src/a.ts", "src/new.ts", "old.ts"]);
    expect(patchPaths(searchReplace)).toEqual(["src/b.ts"]);
    const unified = "diff --git a/src/c.ts b/src/c.ts\n--- a/src/c.ts\n+++ b/src/c.ts\n@@ -1 +1 @@\n-x\n+y\n--- /dev/null\n+++ b/src/d.ts\n@@ -0,0 +1 @@\n+z\n--- a/gone.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-w\n";
    expect(patchPaths(unified)).toEqual(["src/c.ts", "src/d.ts", "gone.ts"]);
    expect(patchPaths("--- old.py\t2026-01-01 10:00\n+++ new.py\t2026-01-02 10:00\n@@ -1 +1 @@\n-a\n+b\n")).toEqual(["new.py"]);
  });

  it("keeps the tasks and the files touched through repeated compactions", () => {
    const first = collectFacts([
      { role: "user", content: "Fix the parser" },
      call("read_file", { path: "src/parse.ts" }),
      { role: "tool", toolCallId: "read_file", content: "…" },
      call("apply_patch", { patch: "*** Begin Patch\n*** Update File: src/parse.ts\n@@\n-a\n+b\n*** End Patch" }),
      { role: "assistant", content: "", toolCalls: [{ id: "bad", name: "read_file", arguments: "{not json" }] },
    ]);
    const state = renderState(first, "Decisions: none yet.");
    expect(state).toContain("- Fix the parser");
    expect(state).toContain("- src/parse.ts (read, patched)");
    const second = collectFacts([{ role: "user", content: state }, { role: "user", content: "Now the tests" }, call("read_file", { path: "test/parse.test.ts" })]);
    const next = renderState(second, "More.");
    expect(next).toContain("- Fix the parser\n- Now the tests");
    expect(next).toContain("- src/parse.ts (read, patched)\n- test/parse.test.ts (read)");
    expect(next).not.toContain("Decisions: none yet.");
  });
});
