import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCheckpointWorkspace } from "../../test/support/temp-stores.js";
import { createCheckpointStore, createSessionStore, databasePath, openDatabase, type CheckpointStore, type Database } from "../store/index.js";
import { applyWithCheckpoint } from "./checkpoint.js";
import { CheckpointError } from "./checkpoint-error.js";
import { undoCheckpoint } from "./checkpoint-undo.js";
import { nodePatchFs, type PatchFs } from "./patch-fs.js";
import { treeSnapshot } from "../../test/support/tree-snapshot.js";

let ws: string, home: string, db: Database, store: CheckpointStore, close: () => void;
beforeEach(() => ({ ws, home, db, store, close } = openCheckpointWorkspace("spark-cp")));
afterEach(() => close());

const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch", ""].join("\n");

const tree = (): Promise<Record<string, string>> => treeSnapshot(ws);

async function seed(): Promise<void> {
  await writeFile(join(ws, "win.txt"), "\uFEFFone\r\ntwo\r\nthree");
  await writeFile(join(ws, "gone.sh"), "#!/bin/sh\necho bye\n");
  await chmod(join(ws, "gone.sh"), 0o751);
  await writeFile(join(ws, "move-me.txt"), "a\nb\n");
  await writeFile(join(ws, "replaced.txt"), "old contents\n");
  await chmod(join(ws, "replaced.txt"), 0o600);
}

const bigPatch = codex(
  "*** Update File: win.txt",
  "@@",
  " one",
  "-two",
  "+2",
  "*** Add File: new/dir/created.txt",
  "+hello",
  "*** Delete File: gone.sh",
  "*** Update File: move-me.txt",
  "*** Move to: moved/here.txt",
  "@@",
  "-a",
  "+A",
  "*** Add File: replaced.txt",
  "+new contents",
);

describe("applyWithCheckpoint", () => {
  it("applies and records one checkpoint with the exact before and after bytes of every changed file", async () => {
    await seed();
    const report = await applyWithCheckpoint(bigPatch, { workspace: ws, store, locksDir: join(home, "locks") });
    expect(report.status).toBe("applied");
    expect(report.checkpointId).toBeTypeOf("number");
    const checkpoint = store.get(report.checkpointId ?? -1);
    expect(checkpoint?.workspace).toBe(await import("node:fs/promises").then((fs) => fs.realpath(ws)));
    expect(checkpoint?.patch).toBe(bigPatch);
    expect(checkpoint?.description).toBe("update win.txt, add new/dir/created.txt, delete gone.sh and 2 more");
    const files = Object.fromEntries((checkpoint?.files ?? []).map((file) => [file.path, file]));
    expect(Object.keys(files).sort()).toEqual(["gone.sh", "move-me.txt", "moved/here.txt", "new/dir/created.txt", "replaced.txt", "win.txt"]);
    expect(Buffer.from(files["win.txt"]?.before ?? []).toString()).toBe("\uFEFFone\r\ntwo\r\nthree");
    expect(Buffer.from(files["win.txt"]?.after ?? []).toString()).toBe("\uFEFFone\r\n2\r\nthree");
    expect(files["win.txt"]).toMatchObject({ added: 1, removed: 1 });
    expect(files["new/dir/created.txt"]).toMatchObject({ before: null, mode: null, added: 1, removed: 0 });
    expect(files["gone.sh"]).toMatchObject({ after: null, mode: 0o751, added: 0, removed: 2 });
    expect(files["moved/here.txt"]?.before).toBeNull();
    expect(files["move-me.txt"]?.after).toBeNull();
    expect(files["replaced.txt"]?.mode).toBe(0o600);
    expect(checkpoint?.createdDirs).toEqual(["new/dir", "moved", "new"]);
  });

  it("records nothing for a check, a refusal, a parse error or a patch that changes nothing", async () => {
    await writeFile(join(ws, "a.txt"), "x\n");
    const check = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-x", "+y"), { workspace: ws, store, locksDir: join(home, "locks"), dryRun: true });
    expect(check).toMatchObject({ status: "applied", dryRun: true, files: [{ path: "a.txt", change: "modified" }] });
    const refused = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-nope", "+y"), { workspace: ws, store, locksDir: join(home, "locks") });
    expect(refused.status).toBe("refused");
    const unparsable = await applyWithCheckpoint("*** Begin Patch\n*** Frobnicate: a.txt\n", { workspace: ws, store, locksDir: join(home, "locks") });
    expect(unparsable).toMatchObject({ status: "refused", error: { code: "parse" } });
    const noop = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-x", "+x"), { workspace: ws, store, locksDir: join(home, "locks") });
    expect(noop.files).toEqual([]);
    for (const report of [check, refused, unparsable, noop]) expect(report.checkpointId).toBeUndefined();
    expect(store.list(ws)).toEqual([]);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("x\n");
  });

  it("records only the files a partly applied patch really changed", async () => {
    await writeFile(join(ws, "a.txt"), "x\n");
    const report = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-x", "+y", "*** Update File: missing.txt", "@@", "-q", "+r"), {
      workspace: ws,
      store,
      locksDir: join(home, "locks"),
    });
    expect(report.status).toBe("partial");
    expect(store.get(report.checkpointId ?? -1)?.files.map((file) => file.path)).toEqual(["a.txt"]);
  });

  it("files the checkpoint under the session that produced it", async () => {
    await writeFile(join(ws, "a.txt"), "x\n");
    const sessionId = createSessionStore(db).create({ workspace: ws, model: "m", title: "t" });
    const report = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-x", "+y"), { workspace: ws, store, locksDir: join(home, "locks"), sessionId, description: "mine" });
    expect(store.get(report.checkpointId ?? -1)).toMatchObject({ sessionId, description: "mine" });
  });
});

describe("applyWithCheckpoint, durably", () => {
  it("has the checkpoint committed before the first file is replaced, and keeps only the files written", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    const seenAtFirstRename: string[][] = [];
    const failingB: PatchFs = {
      ...nodePatchFs,
      rename: async (from, to) => {
        // Read through a second connection, as `spark undo` after a kill -9 would.
        const other = openDatabase(databasePath(home));
        try {
          seenAtFirstRename.push(createCheckpointStore(other).latest(ws)?.files.map((file) => file.path) ?? []);
        } finally {
          other.close();
        }
        if (to.endsWith("b.txt")) throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
        await nodePatchFs.rename(from, to);
      },
    };
    const report = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: b.txt", "@@", "-b", "+B"), {
      workspace: ws,
      store,
      locksDir: join(home, "locks"),
      fs: failingB,
    });
    expect(seenAtFirstRename[0]).toEqual(["a.txt", "b.txt"]);
    expect(report.status).toBe("partial");
    expect(store.latest(ws)?.files.map((file) => file.path)).toEqual(["a.txt"]);
  });

  it("leaves no checkpoint when no file could be written", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    const failing: PatchFs = { ...nodePatchFs, rename: () => Promise.reject(Object.assign(new Error("disk full"), { code: "ENOSPC" })) };
    const report = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-a", "+A"), { workspace: ws, store, locksDir: join(home, "locks"), fs: failing });
    expect(report.status).toBe("refused");
    expect(report.checkpointId).toBeUndefined();
    expect(store.latest(ws)).toBeUndefined();
  });
});

describe("undoCheckpoint", () => {
  it("restores every file exactly: content, BOM, CRLF, mode; removes created files and directories; recreates deleted ones", async () => {
    await seed();
    const before = await tree();
    const report = await applyWithCheckpoint(bigPatch, { workspace: ws, store, locksDir: join(home, "locks") });
    expect(await tree()).not.toEqual(before);
    const result = await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect(await tree()).toEqual(before);
    expect(result.checkpoint.id).toBe(report.checkpointId);
    expect(Object.fromEntries(result.files.map((file) => [file.path, file.action]))).toEqual({
      "win.txt": "restored",
      "gone.sh": "recreated",
      "move-me.txt": "recreated",
      "replaced.txt": "restored",
      "new/dir/created.txt": "removed",
      "moved/here.txt": "removed",
    });
    expect(store.get(report.checkpointId ?? -1)?.undoneAt).not.toBeNull();
    expect(store.latest(ws)).toBeUndefined();
  });

  it("undoes checkpoints newest first, one per call, then says there is nothing left", async () => {
    await writeFile(join(ws, "a.txt"), "1\n");
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-1", "+2"), { workspace: ws, store, locksDir: join(home, "locks") });
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-2", "+3"), { workspace: ws, store, locksDir: join(home, "locks") });
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("2\n");
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("1\n");
    await expect(undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") })).rejects.toThrow(/Nothing to undo/);
  });

  it("refuses, naming the files and restoring nothing, when files changed since; force restores anyway", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    await writeFile(join(ws, "d.txt"), "d\n");
    const report = await applyWithCheckpoint(
      codex(
        ...["*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: b.txt", "@@", "-b", "+B"],
        ...["*** Add File: c.txt", "+c", "*** Update File: d.txt", "@@", "-d", "+D"],
      ),
      { workspace: ws, store, locksDir: join(home, "locks") },
    );
    await writeFile(join(ws, "a.txt"), "A edited by hand\n");
    await rm(join(ws, "b.txt"));
    // Already back in its before-state (the patch created it): not a conflict.
    await rm(join(ws, "c.txt"));
    const error = await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).reason).toBe("conflict");
    expect((error as CheckpointError).files).toEqual(["a.txt", "b.txt"]);
    expect((error as Error).message).toMatch(/a\.txt: was modified since/);
    expect((error as Error).message).toMatch(/b\.txt: was deleted since/);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("A edited by hand\n");
    expect(await readFile(join(ws, "d.txt"), "utf8")).toBe("D\n");
    expect(store.latest(ws)?.id).toBe(report.checkpointId);

    const forced = await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), force: true });
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("a\n");
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("b\n");
    expect(await readFile(join(ws, "d.txt"), "utf8")).toBe("d\n");
    expect(await readdir(ws)).toEqual(["a.txt", "b.txt", "d.txt"]);
    expect(forced.files.find((file) => file.path === "a.txt")).toMatchObject({ action: "restored", overwritten: true });
    expect(forced.files.find((file) => file.path === "b.txt")).toMatchObject({ action: "restored", overwritten: true });
    expect(forced.files.find((file) => file.path === "d.txt")).toMatchObject({ action: "restored", overwritten: false });
    expect(forced.files.find((file) => file.path === "c.txt")).toMatchObject({ action: "unchanged" });
  });

  it("refuses a file created again after the patch deleted it", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await applyWithCheckpoint(codex("*** Delete File: a.txt"), { workspace: ws, store, locksDir: join(home, "locks") });
    await writeFile(join(ws, "a.txt"), "new life\n");
    await expect(undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") })).rejects.toThrow(/a\.txt: was created again/);
  });

  it("keeps a directory that existed before even when the patch emptied it", async () => {
    await mkdir(join(ws, "keep"));
    await applyWithCheckpoint(codex("*** Add File: keep/x.txt", "+x"), { workspace: ws, store, locksDir: join(home, "locks") });
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks") });
    expect(await tree()).toEqual({ keep: "dir" });
  });

  it("undoes a chosen checkpoint by id, and refuses unknown, undone or foreign ones", async () => {
    await writeFile(join(ws, "a.txt"), "1\n");
    await writeFile(join(ws, "b.txt"), "1\n");
    const first = await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-1", "+2"), { workspace: ws, store, locksDir: join(home, "locks") });
    await applyWithCheckpoint(codex("*** Update File: b.txt", "@@", "-1", "+2"), { workspace: ws, store, locksDir: join(home, "locks") });
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), id: first.checkpointId });
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("1\n");
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("2\n");
    await expect(undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), id: first.checkpointId })).rejects.toThrow(/already undone/);
    await expect(undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), id: 999 })).rejects.toThrow(/no checkpoint 999/);
    const other = await mkdtemp(join(tmpdir(), "spark-cp-other-"));
    try {
      const latest = store.latest(ws)?.id;
      await expect(undoCheckpoint({ workspace: other, store, locksDir: join(home, "locks"), id: latest })).rejects.toThrow(/belongs to the workspace/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it("keeps the checkpoint in effect, and names the file, when a restore cannot be written", async () => {
    await writeFile(join(ws, "a.txt"), "a\n");
    await writeFile(join(ws, "b.txt"), "b\n");
    await applyWithCheckpoint(codex("*** Update File: a.txt", "@@", "-a", "+A", "*** Update File: b.txt", "@@", "-b", "+B"), { workspace: ws, store, locksDir: join(home, "locks") });
    const failing: PatchFs = {
      ...nodePatchFs,
      rename: async (from, to) => {
        if (to.endsWith("b.txt")) throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
        await nodePatchFs.rename(from, to);
      },
    };
    const error = await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), fs: failing }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).reason).toBe("restore_failed");
    expect((error as Error).message).toMatch(/b\.txt: .*disk full/);
    expect((error as Error).message).toMatch(/Restored: a\.txt/);
    expect(await readFile(join(ws, "a.txt"), "utf8")).toBe("a\n");
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("B\n");
    expect(await readdir(ws)).toEqual(["a.txt", "b.txt"]);
    expect(store.latest(ws)?.undoneAt).toBeNull();
    await undoCheckpoint({ workspace: ws, store, locksDir: join(home, "locks"), force: true });
    expect(await readFile(join(ws, "b.txt"), "utf8")).toBe("b\n");
    expect(store.latest(ws)).toBeUndefined();
  });
});
