import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { describe, expect, it } from "vitest";
import { applyPatch, applyWithCheckpoint, undoCheckpoint, type ApplyReport } from "../src/edits/index.js";
import { isSparkTempName } from "../src/edits/atomic-write.js";
import { applyToDocuments } from "../src/lsp/edit-selection.js";
import { applyInWorkspace } from "../src/runtime/index.js";
import { parsePatch } from "../src/edits/index.js";
import { openStores } from "../src/store/index.js";
import { runSpark, sparkBin, tempDir } from "./support/run-spark.js";

/**
 * A hostile repository and a hostile model against the patch engine (issue 15, rows 1, 6, 7, 8, 11):
 * protected paths in every entry point, a parent directory swapped for a symlink while writing, kill -9
 * in the middle of a large patch, concurrent applies on one file, hostile names and sizes. Every loop
 * is bounded by a count and a time budget; the counts are printed for the record.
 */

const codex = (...lines: string[]): string => ["*** Begin Patch", ...lines, "*** End Patch", ""].join("\n");

function git(cwd: string, ...args: string[]): void {
  const result = spawnSync("git", ["-C", cwd, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: cwd, GIT_CONFIG_NOSYSTEM: "1" } });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

/** A repository with a hooks directory (core.hooksPath), a nested repository and editor folders. */
function hostileRepo(): string {
  const ws = realpathSync(tempDir("spark-hostile-ws-"));
  git(ws, "init", "-q");
  git(ws, "config", "core.hooksPath", ".githooks");
  for (const dir of [".githooks", ".husky", ".spark", ".vscode", "sub", "secrets"]) mkdirSync(join(ws, dir));
  git(join(ws, "sub"), "init", "-q");
  writeFileSync(join(ws, ".vscode", "tasks.json"), "{}\n");
  writeFileSync(join(ws, "secrets", "keep.txt"), "keep\n");
  writeFileSync(join(ws, "a.txt"), "a\n");
  symlinkSync(".git/config", join(ws, "x"));
  return ws;
}

const protectedOps = [
  ["*** Update File: .git/config", "@@", "+[core]", "+\tfsmonitor = touch /tmp/pwned"],
  ["*** Add File: .git/hooks/post-checkout", "+#!/bin/sh"],
  ["*** Add File: sub/.git/hooks/pre-commit", "+#!/bin/sh"],
  ["*** Add File: .githooks/pre-commit", "+#!/bin/sh"],
  ["*** Add File: .husky/pre-commit", "+#!/bin/sh"],
  ["*** Add File: .spark/config.toml", "+model = 'x'"],
  ["*** Delete File: .vscode/tasks.json"],
  ["*** Update File: a.txt", "*** Move to: .GIT/evil", "@@", "-a", "+b"],
  ["*** Update File: x", "@@", "+[core]", "+\tfsmonitor = touch /tmp/pwned"],
  ["*** Add File: secrets/new.txt", "+s"],
];
const hostilePatch = codex(...protectedOps.flat(), "*** Add File: fine.txt", "+fine");

function expectProtectedRefused(report: ApplyReport, ws: string): void {
  const refused = report.operations.filter((op) => op.error?.code === "protected_path");
  // The [sandbox] protected glob (secrets/**) comes from the user's config, which only the CLI reads.
  expect(refused.length).toBeGreaterThanOrEqual(protectedOps.length - 1);
  for (const op of refused) expect(op.error?.message).toMatch(/is protected: .*(git|core\.hooksPath|\.husky|\.spark|\.vscode|sandbox)/);
  expect(report.operations.find((op) => op.path === "x")?.error?.message).toContain("symbolic link to .git/config");
  expect(readFileSync(join(ws, "fine.txt"), "utf8")).toBe("fine\n");
  expect(readFileSync(join(ws, ".git", "config"), "utf8")).not.toContain("fsmonitor");
  expect(existsSync(join(ws, ".git", "hooks", "post-checkout"))).toBe(false);
  expect(existsSync(join(ws, ".githooks", "pre-commit"))).toBe(false);
  expect(existsSync(join(ws, "sub", ".git", "hooks", "pre-commit"))).toBe(false);
  expect(existsSync(join(ws, ".vscode", "tasks.json"))).toBe(true);
  expect(readFileSync(join(ws, "a.txt"), "utf8")).toBe("a\n");
}

describe("protected paths, in every entry point", () => {
  it("spark apply refuses each protected operation by name and applies the rest; --allow-protected writes", async () => {
    const ws = hostileRepo();
    const home = tempDir("spark-hostile-home-");
    mkdirSync(join(home, ".spark"));
    writeFileSync(join(home, ".spark", "config.toml"), '[sandbox]\nprotected = ["secrets/**"]\n');
    const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    const result = await runSpark(["apply", "--json", "-"], { cwd: ws, stdin: hostilePatch, env });
    expect(result.code, result.stderr).toBe(3);
    const report = JSON.parse(result.stdout) as ApplyReport;
    expectProtectedRefused(report, ws);
    expect(report.operations.find((op) => op.path === "secrets/new.txt")?.error?.message).toContain("[sandbox] protected");

    const allowed = await runSpark(["apply", "--allow-protected", "-"], { cwd: ws, stdin: codex(...(protectedOps[0] ?? [])), env });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(readFileSync(join(ws, ".git", "config"), "utf8")).toContain("fsmonitor");
  });

  it("the agent's apply_patch, the eval runner's and the LSP's edits refuse them too", async () => {
    const agentWs = hostileRepo();
    const stores = openStores(join(tempDir("spark-hostile-home-"), ".spark"));
    try {
      const sessionId = stores.sessions.create({ workspace: agentWs, model: "test", title: "hostile" });
      const result = await applyInWorkspace(hostilePatch, agentWs, stores, sessionId);
      expect(result.output).toContain("is protected");
      expect(readFileSync(join(agentWs, ".git", "config"), "utf8")).not.toContain("fsmonitor");
    } finally {
      stores.close();
    }
    const evalWs = hostileRepo();
    expectProtectedRefused(await applyPatch(hostilePatch, { workspace: evalWs }), evalWs);

    const lsp = await applyToDocuments(parsePatch(codex("*** Update File: .git/config", "@@", "-[core]", "+[core]", "+\tfsmonitor = x")), [
      { uri: "file:///r/.git/config", path: ".git/config", languageId: "ini", text: "[core]\n" },
    ]);
    expect(lsp.report.operations[0]?.error?.code).toBe("protected_path");
    expect(lsp.changed.size).toBe(0);
  });

  it("spark mcp's apply_patch refuses them", async () => {
    const ws = hostileRepo();
    const home = tempDir("spark-hostile-home-");
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [sparkBin, "mcp"],
      cwd: ws,
      env: { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: join(home, ".spark") },
      stderr: "pipe",
    });
    const client = new Client({ name: "spark-test", version: "1.0.0" });
    await client.connect(transport, { timeout: 20_000 });
    try {
      const result = await client.callTool({ name: "apply_patch", arguments: { patch: hostilePatch } });
      expect(JSON.stringify(result.content)).toContain("is protected");
      expect(readFileSync(join(ws, ".git", "config"), "utf8")).not.toContain("fsmonitor");
      expect(readFileSync(join(ws, "fine.txt"), "utf8")).toBe("fine\n");
    } finally {
      await client.close();
    }
  });
});

describe("hooks and repositories git finds where Spark did not look", () => {
  const hook = (path: string) => codex(`*** Add File: ${path}`, "+#!/bin/sh", "+touch pwned");

  it("spark apply protects core.hooksPath from the global config, and a relative one from a subfolder workspace", async () => {
    const home = realpathSync(tempDir("spark-hostile-home-"));
    writeFileSync(join(home, ".gitconfig"), "[core]\n\thooksPath = .githooks\n");
    const ws = realpathSync(tempDir("spark-hostile-ws-"));
    git(ws, "init", "-q");
    const global = await runSpark(["apply", "--json", "-"], { cwd: ws, stdin: hook(".githooks/pre-commit"), env: { HOME: home } });
    expect(global.code, global.stderr).toBe(1);
    expect(global.stdout).toContain("core.hooksPath");
    expect(existsSync(join(ws, ".githooks", "pre-commit"))).toBe(false);

    const repo = realpathSync(tempDir("spark-hostile-ws-"));
    git(repo, "init", "-q");
    git(repo, "config", "core.hooksPath", "tools/hooks");
    mkdirSync(join(repo, "tools", "hooks"), { recursive: true });
    const sub = await runSpark(["apply", "--json", "-C", join(repo, "tools"), "-"], { cwd: repo, stdin: hook("hooks/pre-commit") });
    expect(sub.code, sub.stderr).toBe(1);
    expect(sub.stdout).toContain("core.hooksPath");
    expect(existsSync(join(repo, "tools", "hooks", "pre-commit"))).toBe(false);
  });

  it("spark apply refuses to build a bare repository under another name, so git status there runs nothing", async () => {
    const ws = realpathSync(tempDir("spark-hostile-ws-"));
    git(ws, "init", "-q");
    const marker = join(ws, "pwned");
    const patch = codex(
      "*** Add File: docs/HEAD", "+ref: refs/heads/master",
      "*** Add File: docs/config", "+[core]", "+\trepositoryformatversion = 0", "+\tbare = false", "+\tworktree = ..", `+\tfsmonitor = "touch ${marker}; false"`,
      "*** Add File: docs/objects/info/keep", "+",
      "*** Add File: docs/refs/heads/keep", "+",
    );
    const result = await runSpark(["apply", "--json", "-"], { cwd: ws, stdin: patch });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain("git would take that directory for a repository");
    mkdirSync(join(ws, "docs"), { recursive: true });
    // What the user runs next there: nothing the patch meant to plant may run.
    spawnSync("git", ["status"], { cwd: join(ws, "docs"), env: { PATH: process.env.PATH ?? "", HOME: ws, GIT_CONFIG_NOSYSTEM: "1" }, timeout: 10_000 });
    expect(existsSync(marker)).toBe(false);
  });
});

describe("hostile names and sizes (row 11)", () => {
  it("refuses a too large or binary Add File, an over-long path and disguising names, each on its own", async () => {
    const ws = realpathSync(tempDir("spark-hostile-ws-"));
    const big = Array.from({ length: 11 * 1024 }, () => `+${"x".repeat(1023)}`);
    const patch = codex(
      "*** Add File: big.txt",
      ...big,
      "*** Add File: nul.txt",
      "+a\u0000b",
      `*** Add File: ${"n".repeat(300)}/deep.txt`,
      "+x",
      `*** Add File: ${"d/".repeat(2000)}deep.txt`,
      "+x",
      "*** Add File: invoice\u202Etxt.exe",
      "+x",
      "*** Add File: zero\u200Bwidth.txt",
      "+x",
      "*** Add File: bell\u0007.txt",
      "+x",
      "*** Add File: ok.txt",
      "+ok",
    );
    const result = await runSpark(["apply", "--json", "-"], { cwd: ws, stdin: patch });
    expect(result.code, result.stderr).toBe(3);
    const ops = (JSON.parse(result.stdout) as ApplyReport).operations;
    expect(ops.map((op) => op.error?.code)).toEqual(["too_large", "binary_file", "unsafe_name", "unsafe_name", "unsafe_name", "unsafe_name", "unsafe_name", undefined]);
    expect(ops[2]?.error?.message).toContain("too long");
    expect(ops[4]?.error?.message).toMatch(/U\+202E.*disguises/);
    expect(ops[5]?.error?.message).toContain("U+200B");
    expect(readdirSync(ws)).toEqual(["ok.txt"]);
  });
});

/** A child process that swaps `dir` for a symlink to `outside` and back, as fast as it can, until `stop` exists. */
function startSwapper(dir: string, outside: string, stop: string): Promise<number> {
  const script = `
    const fs = require("node:fs");
    const [dir, outside, stop] = process.argv.slice(1);
    const aside = dir + ".aside";
    let swaps = 0;
    const deadline = Date.now() + 30000;
    // Each state (real directory, link to outside) holds for up to half a millisecond, at random.
    const pause = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.random() * 0.5);
    while (!fs.existsSync(stop) && Date.now() < deadline && swaps < 1000000) {
      try { fs.renameSync(dir, aside); fs.symlinkSync(outside, dir); pause(); fs.unlinkSync(dir); fs.renameSync(aside, dir); pause(); swaps++; } catch {}
    }
    try { fs.lstatSync(dir).isSymbolicLink() && fs.unlinkSync(dir); } catch {}
    try { fs.renameSync(aside, dir); } catch {}
    console.log(swaps);`;
  const child = spawn(process.execPath, ["-e", script, dir, outside, stop], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) => child.on("close", () => resolve(Number(out.trim()))));
}

function listRecursive(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" });
}

describe("racing a parent directory swap (row 6)", () => {
  it("never writes or deletes outside the workspace and leaves no temp file", async () => {
    const base = realpathSync(tempDir("spark-race-"));
    const ws = join(base, "ws");
    const outside = join(base, "outside");
    mkdirSync(join(ws, "d"), { recursive: true });
    mkdirSync(outside);
    const MAX_TRIALS = 200;
    const decoys = Array.from({ length: MAX_TRIALS }, (_, i) => [`up-${i}.txt`, `del-${i}.txt`]).flat();
    for (const name of decoys) {
      writeFileSync(join(ws, "d", name), "inside\n");
      writeFileSync(join(outside, name), "inside\n");
    }
    const stop = join(base, "stop");
    const swapper = startSwapper(join(ws, "d"), outside, stop);
    const home = tempDir("spark-race-home-");
    let trials = 0;
    let cliTrials = 0;
    const deadline = Date.now() + 12_000;
    try {
      for (let i = 0; i < MAX_TRIALS && Date.now() < deadline; i++) {
        const patch = codex(`*** Update File: d/up-${i}.txt`, "@@", "-inside", "+changed", `*** Add File: d/new-${i}.txt`, "+x", `*** Delete File: d/del-${i}.txt`);
        // Every tenth trial through the built CLI, the rest in process (a CLI start costs ~0.5 s here).
        if (i % 10 === 0) {
          await runSpark(["apply", "-"], { cwd: ws, stdin: patch, env: { HOME: home, SPARK_HOME: join(home, ".spark") } });
          cliTrials++;
        } else {
          await applyPatch(patch, { workspace: ws });
        }
        trials++;
      }
    } finally {
      writeFileSync(stop, "");
    }
    const swaps = await swapper;
    const outsideNames = readdirSync(outside).sort();
    const escapes = decoys.filter((name) => !outsideNames.includes(name) || readFileSync(join(outside, name), "utf8") !== "inside\n").length + outsideNames.filter((name) => !decoys.includes(name)).length;
    const leftovers = [...listRecursive(ws), ...outsideNames].filter((name) => isSparkTempName(name.split("/").at(-1) ?? ""));
    console.log(`symlink race: ${trials} trials (${cliTrials} through the CLI), ${swaps} swaps, ${escapes} escapes, ${leftovers.length} temp files left`);
    // The race was run: the swapper flipped the directory while the trials ran. How often depends on the CPU the
    // swapper gets (on a loaded 2-core CI machine 86 swaps for 200 trials), so this asks only that it did.
    expect(swaps).toBeGreaterThanOrEqual(20);
    expect(escapes).toBe(0);
    expect(leftovers).toEqual([]);
  }, 60_000);
});

describe("kill -9 during a large patch (row 7)", () => {
  it("leaves every state untouched or undoable by spark undo", async () => {
    const FILES = 20;
    const ws = realpathSync(tempDir("spark-kill-ws-"));
    const home = tempDir("spark-kill-home-");
    const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    const original = (i: number): string => `head ${i}\n${`filler ${i}\n`.repeat(2_000)}`;
    const edited = (i: number): string => original(i).replace(`head ${i}`, `new ${i}`);
    for (let i = 0; i < FILES; i++) writeFileSync(join(ws, `f${i}.txt`), original(i));
    const patch = codex(...Array.from({ length: FILES }, (_, i) => [`*** Update File: f${i}.txt`, "@@", `-head ${i}`, `+new ${i}`]).flat());
    const states = (): string[] => Array.from({ length: FILES }, (_, i) => readFileSync(join(ws, `f${i}.txt`), "utf8"));

    const full = await runSpark(["apply", "-"], { cwd: ws, stdin: patch, env });
    expect(full.code, full.stderr).toBe(0);
    const inodes = (): number[] => Array.from({ length: FILES }, (_, i) => statSync(join(ws, `f${i}.txt`)).ino);
    const stores = openStores(env.SPARK_HOME);
    try {
      await undoCheckpoint({ workspace: ws, store: stores.checkpoints, locksDir: join(env.SPARK_HOME, "locks") });
      expect(states().every((text, i) => text === original(i))).toBe(true);

      let trials = 0;
      let untouched = 0;
      let partial = 0;
      let unundoable = 0;
      const deadline = Date.now() + 18_000;
      for (let trial = 0; trial < 15 && Date.now() < deadline; trial++) {
        const child = spawn(process.execPath, [sparkBin, "apply", "-"], { cwd: ws, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["pipe", "ignore", "ignore"] });
        child.stdin.end(patch);
        let done = false;
        const exited = new Promise((resolve) => child.on("close", resolve)).then(() => (done = true));
        // Wait for the first file to be replaced (a new inode), then kill a little later each trial,
        // so the kills land across the writes; a trial that finishes first counts as a whole run.
        const before = inodes();
        const pollUntil = Date.now() + 10_000;
        while (!done && Date.now() < pollUntil && inodes().every((ino, i) => ino === before[i])) await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, trial * 2));
        child.kill("SIGKILL");
        await exited;
        trials++;
        const after = states();
        const changed = after.filter((text, i) => text !== original(i)).length;
        // Never half a file: each is wholly old or wholly new.
        expect(after.every((text, i) => text === original(i) || text === edited(i))).toBe(true);
        if (changed === 0) untouched++;
        if (changed === 0) continue;
        if (changed < FILES) partial++;
        // The first undo through the built CLI, the others in process (the same code, without a CLI start).
        if (trial === 0) {
          await runSpark(["undo"], { cwd: ws, env });
        } else {
          await undoCheckpoint({ workspace: ws, store: stores.checkpoints, locksDir: join(env.SPARK_HOME, "locks") }).catch(() => undefined);
        }
        if (!states().every((text, i) => text === original(i))) unundoable++;
      }
      console.log(`kill -9: ${trials} trials, ${untouched} untouched, ${partial} caught part-way, ${unundoable} states spark undo could not restore`);
      expect(unundoable).toBe(0);
    } finally {
      stores.close();
    }
  }, 60_000);
});

describe("concurrent applies on one file (row 8)", () => {
  it("applies each on top of the other or refuses clearly; no edit is silently lost", async () => {
    const ws = realpathSync(tempDir("spark-conc-ws-"));
    const home = tempDir("spark-conc-home-");
    const locksDir = join(home, "locks");
    const stores = openStores(join(home, ".spark"));
    const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
    let lost = 0;
    let refusals = 0;
    let pairs = 0;
    try {
      for (let pair = 0; pair < 25; pair++) {
        writeFileSync(join(ws, "shared.txt"), `${lines.join("\n")}\n`);
        const edit = (line: number): string => codex("*** Update File: shared.txt", "@@", `-line ${line}`, `+line ${line} edited ${pair}`);
        // Even pairs edit different lines (both can apply), odd pairs the same line (one must refuse).
        const [a, b] = [3, pair % 2 === 0 ? 30 : 3];
        const reports = await Promise.all([a, b].map((line) => applyWithCheckpoint(edit(line), { workspace: ws, store: stores.checkpoints, locksDir })));
        const text = readFileSync(join(ws, "shared.txt"), "utf8");
        pairs++;
        for (const [index, line] of [a, b].entries()) {
          const report = reports[index];
          if (report?.status === "applied" && !text.includes(`line ${line} edited ${pair}`)) lost++;
          if (report?.status !== "applied") {
            refusals++;
            expect(JSON.stringify(report?.operations)).toMatch(/line \d+|changed/);
          }
        }
      }
    } finally {
      stores.close();
    }
    // A few pairs through the CLI, as two people would run it.
    const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
    for (let pair = 0; pair < 3; pair++) {
      writeFileSync(join(ws, "shared.txt"), `${lines.join("\n")}\n`);
      const results = await Promise.all(
        [5, 25].map((line) => runSpark(["apply", "-"], { cwd: ws, env, stdin: codex("*** Update File: shared.txt", "@@", `-line ${line}`, `+line ${line} cli ${pair}`) })),
      );
      const text = readFileSync(join(ws, "shared.txt"), "utf8");
      for (const [index, line] of [5, 25].entries()) if (results[index]?.code === 0 && !text.includes(`line ${line} cli ${pair}`)) lost++;
      pairs++;
    }
    console.log(`concurrent applies: ${pairs} pairs, ${refusals} clear refusals, ${lost} edits silently lost`);
    expect(lost).toBe(0);
  }, 60_000);
});
