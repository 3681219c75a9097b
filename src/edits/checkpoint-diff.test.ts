import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCheckpointWorkspace } from "../../test/support/temp-stores.js";
import { createSessionStore, type CheckpointStore, type Database } from "../store/index.js";
import { applyWithCheckpoint } from "./checkpoint.js";
import { sessionDiff } from "./checkpoint-diff.js";
import { undoCheckpoint } from "./checkpoint-undo.js";
import { unifiedFileDiff } from "./checkpoint-unified-diff.js";

const bytes = (text: string): Uint8Array => Buffer.from(text, "utf8");
const numbered = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join("");

describe("unifiedFileDiff", () => {
  it("prints a change with three lines of context and git's headers", () => {
    const before = numbered(1, 10);
    const after = before.replace("line 5\n", "five\n");
    expect(unifiedFileDiff({ path: "src/a.txt", before: bytes(before), after: bytes(after) })).toEqual({
      text: [
        "diff --git a/src/a.txt b/src/a.txt",
        "--- a/src/a.txt",
        "+++ b/src/a.txt",
        "@@ -2,7 +2,7 @@",
        " line 2",
        " line 3",
        " line 4",
        "-line 5",
        "+five",
        " line 6",
        " line 7",
        " line 8",
        "",
      ].join("\n"),
      added: 1,
      removed: 1,
      binary: false,
    });
  });

  it("splits distant changes into hunks and merges close ones", () => {
    const before = numbered(1, 30);
    const after = before.replace("line 2\n", "two\n").replace("line 9\n", "").replace("line 25\n", "line 25\nextra\n");
    const text = unifiedFileDiff({ path: "a", before: bytes(before), after: bytes(after) }).text;
    expect(text.split("\n").filter((line) => line.startsWith("@@"))).toEqual(["@@ -1,12 +1,11 @@", "@@ -23,6 +22,7 @@"]);
  });

  it("shows created and deleted files against /dev/null, with their mode", () => {
    expect(unifiedFileDiff({ path: "new.sh", before: null, after: bytes("a\nb\n"), afterMode: 0o755 }).text).toBe(
      ["diff --git a/new.sh b/new.sh", "new file mode 100755", "--- /dev/null", "+++ b/new.sh", "@@ -0,0 +1,2 @@", "+a", "+b", ""].join("\n"),
    );
    expect(unifiedFileDiff({ path: "old.txt", before: bytes("x\n"), after: null, beforeMode: 0o644 }).text).toBe(
      ["diff --git a/old.txt b/old.txt", "deleted file mode 100644", "--- a/old.txt", "+++ /dev/null", "@@ -1 +0,0 @@", "-x", ""].join("\n"),
    );
  });

  it("marks a missing final newline and keeps CR in CRLF lines", () => {
    const text = unifiedFileDiff({ path: "w.txt", before: bytes("a\r\nb"), after: bytes("a\r\nb\r\n") }).text;
    expect(text.split("\n").slice(3)).toEqual(["@@ -1,2 +1,2 @@", " a\r", "-b", "\\ No newline at end of file", "+b\r", ""]);
  });

  it("does not print binary contents", () => {
    const diff = unifiedFileDiff({ path: "img.bin", before: new Uint8Array([0, 1, 2]), after: new Uint8Array([0, 1, 3]) });
    expect(diff).toMatchObject({ binary: true, added: 0, removed: 0 });
    expect(diff.text).toContain("Binary files a/img.bin and b/img.bin differ");
  });

  it("always describes the new file exactly (random edits, replayed from the hunks)", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const oldLines = Array.from({ length: random(25) }, () => `v${random(6)}\n`);
      const newLines = [...oldLines];
      for (let edits = random(6); edits > 0; edits--) {
        const at = random(newLines.length + 1);
        if (random(2) === 0) newLines.splice(at, 1);
        else newLines.splice(at, 0, `n${random(6)}\n`);
      }
      const before = oldLines.join("");
      const after = newLines.join("") + (random(4) === 0 ? "tail" : "");
      const diff = unifiedFileDiff({ path: "f", before: bytes(before), after: bytes(after) });
      expect(replay(before, diff.text), `round ${round}\n${diff.text}`).toBe(after);
    }
  });
});

/** Applies a unified diff of one file to its old text (strictly: context and removed lines must match). */
function replay(before: string, diff: string): string {
  const old = before === "" ? [] : before.split(/(?<=\n)/);
  const out: string[] = [];
  let next = 0;
  const lines = diff.split("\n").slice(0, -1);
  lines.splice(0, lines.findIndex((line) => line.startsWith("@@")));
  let last: "-" | "+" | " " | undefined;
  for (const line of lines) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (header) {
      const start = Number(header[1]) - (header[2] === "0" ? 0 : 1);
      while (next < start) out.push(old[next++] ?? "");
      continue;
    }
    if (line === "\\ No newline at end of file") {
      if (last !== "-") out[out.length - 1] = (out.at(-1) ?? "").replace(/\n$/, "");
      continue;
    }
    const kind = line[0];
    if (kind !== " " && kind !== "-" && kind !== "+") continue;
    last = kind;
    const text = `${line.slice(1)}\n`;
    if (kind !== "+") {
      const actual = old[next++] ?? "";
      if (actual.replace(/\n$/, "") !== text.replace(/\n$/, "")) throw new Error(`context mismatch at old line ${next}: ${actual} vs ${text}`);
      if (kind === " ") out.push(actual);
    } else {
      out.push(text);
    }
  }
  while (next < old.length) out.push(old[next++] ?? "");
  return out.join("");
}

describe("sessionDiff", () => {
  let ws: string, home: string, db: Database, store: CheckpointStore, close: () => void;
  beforeEach(() => ({ ws, home, db, store, close } = openCheckpointWorkspace("spark-diff")));
  afterEach(() => close());
  const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch", ""].join("\n");

  it("diffs each file's state before the first checkpoint against what is on disk now", async () => {
    await writeFile(join(ws, "a.txt"), "1\n2\n3\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-2", "+two", "*** Add File: c.txt", "+c"), { workspace: ws, store, locksDir: join(home, "locks") });
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-3", "+three", "*** Delete File: b.txt"), { workspace: ws, store, locksDir: join(home, "locks") });
    await writeFile(join(ws, "a.txt"), `${await readFile(join(ws, "a.txt"), "utf8")}4 by hand\n`);
    const diff = await sessionDiff({ workspace: ws, store });
    expect(diff.checkpointIds).toHaveLength(2);
    expect(diff.files).toEqual([
      { path: "a.txt", change: "modified", added: 3, removed: 2, binary: false },
      { path: "c.txt", change: "created", added: 1, removed: 0, binary: false },
      { path: "b.txt", change: "deleted", added: 0, removed: 1, binary: false },
    ]);
    expect(diff.text).toContain(["--- a/a.txt", "+++ b/a.txt", "@@ -1,3 +1,4 @@", " 1", "-2", "-3", "+two", "+three", "+4 by hand"].join("\n"));
    expect(diff.text).toContain(["--- /dev/null", "+++ b/c.txt", "@@ -0,0 +1 @@", "+c"].join("\n"));
    expect(diff.text).toContain(["--- a/b.txt", "+++ /dev/null"].join("\n"));
  });

  it("leaves out undone checkpoints, files changed back, and other sessions", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    const sessions = createSessionStore(db);
    const mine = sessions.create({ workspace: ws, model: "m", title: "mine" });
    const theirs = sessions.create({ workspace: ws, model: "m", title: "theirs" });
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-a", "+A"), { workspace: ws, store, locksDir: join(home, "locks"), sessionId: mine });
    await applyWithCheckpoint(codex("*** Update File: b.txt", "@@", "-b", "+B"), { workspace: ws, store, locksDir: join(home, "locks"), sessionId: theirs });
    expect((await sessionDiff({ workspace: ws, store, sessionId: mine })).files.map((file) => file.path)).toEqual(["a.txt"]);
    expect((await sessionDiff({ workspace: ws, store })).files.map((file) => file.path)).toEqual(["a.txt", "b.txt"]);
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect((await sessionDiff({ workspace: ws, store })).files.map((file) => file.path)).toEqual(["a.txt"]);
    await writeFile(join(ws, "a.txt"), "a\n");
    expect(await sessionDiff({ workspace: ws, store })).toMatchObject({ files: [], text: "" });
  });
});
