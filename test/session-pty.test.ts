import { realpathSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStores } from "../src/store/index.js";
import { startSparkInPty, tmuxInstalled, tmuxMissing, type PtySession } from "./support/pty-session.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * The interactive session end to end: the real binary in a pseudo-terminal (tmux), the real local engine
 * on the tiny GGUF (random text, never stopping by itself), the real SQLite store.
 */

let modelPath: string;
let pty: PtySession | undefined;
beforeAll(async () => {
  modelPath = await ensureTestModel();
});
afterEach(() => {
  pty?.close();
  pty = undefined;
});

const STATUS = /● (ready|waiting for the model|streaming|running a tool|interrupting)[^\n]*/g;
const lastStatus = (screen: string): string => [...screen.matchAll(STATUS)].at(-1)?.[0] ?? "";
const count = (text: string, part: string): number => text.split(part).length - 1;

/** A stretch of plain words from the answer: what must be on screen whatever markdown styling did around it. */
function plainSnippet(text: string): string {
  const run = /[A-Za-z0-9 ]{12,}/.exec(text)?.[0] ?? "";
  return run.trim().slice(0, 20);
}

function savedMessages(home: string, workspace: string) {
  const stores = openStores(home);
  try {
    const sessions = stores.sessions.list(realpathSync(workspace));
    return { sessions, messages: sessions[0] ? stores.sessions.messages(sessions[0].id) : [] };
  } finally {
    stores.close();
  }
}

describe.skipIf(!tmuxInstalled())(`spark interactive session in a terminal${tmuxInstalled() ? "" : ` (skipped: ${tmuxMissing})`}`, () => {
  it("streams, stops at Esc keeping the partial answer, takes a redirect, saves it all, and resumes", async () => {
    const workspace = tempDir("spark-session-ws-");
    const home = join(tempDir("spark-session-home-"), ".spark");
    const env = { SPARK_HOME: home };
    const model = ["-m", `local:${modelPath}`, "-t", "0", "--max-tokens", "100000", "--context-size", "100000"];
    pty = startSparkInPty(model, { cwd: workspace, env });
    await pty.waitFor("● ready");

    pty.type("write a long story");
    pty.press("Enter");
    await pty.waitFor("› write a long story");
    // Mid-stream: text is arriving and the live speed is shown.
    await pty.waitFor(/● streaming[^\n]*tok\/s/, 30_000);
    pty.press("Escape");
    let screen = await pty.waitFor("⏹ interrupted", 5_000);
    await pty.waitFor("● ready", 5_000);

    // The redirect: typed and sent; the model continues from the conversation, interrupted answer included.
    pty.type("now write a poem instead");
    pty.press("Enter");
    await pty.waitFor("› now write a poem instead");
    await pty.waitFor(/● streaming[^\n]*tok\/s/, 30_000);
    pty.press("Escape");
    screen = await pty.waitFor((text) => count(text, "⏹ interrupted") >= 2);
    screen = await pty.waitFor(/● ready[^\n]*reused/, 5_000);

    // The local engine took the shared prefix from its cache for the redirect.
    expect(lastStatus(screen)).toMatch(/[\d,]+ reused/);
    pty.type("/quit");
    pty.press("Enter");
    screen = await pty.waitFor(/Session saved: spark resume [0-9a-f]{8}/);
    expect(await pty.exitCode()).toBe(0);

    const { sessions, messages } = savedMessages(home, workspace);
    expect(sessions).toHaveLength(1);
    expect(messages.map((stored) => [stored.message.role, stored.interrupted])).toEqual([
      ["system", false],
      ["user", false],
      ["assistant", true],
      ["user", false],
      ["assistant", true],
    ]);
    expect(messages[1]?.message.content).toBe("write a long story");
    expect(messages[3]?.message.content).toBe("now write a poem instead");
    const firstAnswer = messages[2]?.message.content ?? "";
    expect(firstAnswer.length).toBeGreaterThan(0);
    // The partial answer stayed on screen.
    expect(screen).toContain(plainSnippet(firstAnswer));
    const sessionId = sessions[0]?.id ?? "";
    expect(screen).toContain(`spark resume ${sessionId.slice(0, 8)}`);
    pty.close();

    // `spark resume --list` (not a terminal) lists it; `spark resume ID` reopens it with its history.
    const listed = await runSpark(["resume", "--list"], { cwd: workspace, env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(sessionId.slice(0, 8));
    expect(listed.stdout).toContain("write a long story");

    pty = startSparkInPty(["resume", sessionId.slice(0, 8), ...model], { cwd: workspace, env });
    screen = await pty.waitFor(/resumed session[\s\S]*● ready/);
    expect(screen).toContain(`resumed session ${sessionId.slice(0, 8)}`);
    expect(screen).toContain("› write a long story");
    expect(screen).toContain("› now write a poem instead");
    expect(count(screen, "⏹ interrupted")).toBe(2);
    pty.type("and a haiku");
    pty.press("Enter");
    await pty.waitFor(/● streaming[^\n]*tok\/s/, 30_000);
    pty.press("Escape");
    await pty.waitFor((text) => count(text, "⏹ interrupted") >= 3);
    pty.press("C-d");
    expect(await pty.exitCode()).toBe(0);

    const resumed = savedMessages(home, workspace);
    expect(resumed.sessions).toHaveLength(1);
    expect(resumed.messages.map((stored) => stored.message.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant"]);
    expect(resumed.messages[5]?.message.content).toBe("and a haiku");
  });

  it("without a terminal, `spark` with no task still asks for one", async () => {
    const result = await runSpark(["--base-url", "http://127.0.0.1:9/v1", "-m", "any"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Give a task");
  });
});
