import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { createElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openRuntime } from "../src/cli/common/open-runtime.js";
import { stripAnsi } from "../src/cli/session/ansi-style.js";
import { ModelSwitcher, prepareAgentWiring } from "../src/runtime/index.js";
import { SessionApp } from "../src/cli/session/session-app.js";
import { SessionController } from "../src/cli/session/session-controller.js";
import type { RenderMode } from "../src/cli/session/view-store.js";
import { openStores, type SparkStores } from "../src/store/index.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type Script, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

/**
 * The interactive session rendered in process (ink-testing-library's fake terminal): the real
 * SessionController and Ink components, the real agent, stores and OpenAI-compatible client, with the
 * scripted server as the model (the only double, at the network edge).
 */

interface SessionHarness {
  controller: SessionController;
  server: ScriptedServer;
  stores: SparkStores;
  cwd: string;
  /** The finished output written so far and the latest frame of the redrawn part, escape sequences kept. */
  frame(): string;
  /** Only what Ink's last frame holds (with <Static>: everything <Static> wrote, then the redrawn part). */
  inkFrame(): string;
  /** Types into the session (text, "\r" for Enter, "\t" for Tab, "\u001B" for Esc). */
  type(text: string): void;
  waitFor(pattern: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>;
  /** The saved messages of the current conversation. */
  saved(): ReturnType<SparkStores["sessions"]["messages"]>;
  close(): Promise<void>;
}

interface HarnessOptions {
  cwd?: string;
  approval?: string;
  mode?: RenderMode;
}

async function startSessionHarness(script: Script, options: HarnessOptions = {}): Promise<SessionHarness> {
  const server = await startScriptedServer(script);
  const home = tempDir("spark-session-home-");
  vi.stubEnv("SPARK_HOME", home);
  const cwd = options.cwd ?? tempDir("spark-session-ws-");
  const wiring = await prepareAgentWiring({ cwd, approval: options.approval });
  const models = await ModelSwitcher.open(await openRuntime({ baseUrl: server.url, model: "coder" }, { printWarnings: false }));
  const stores = openStores(home);
  const controller = new SessionController({ wiring, stores, models, systemPrompt: "You are a test.", mode: options.mode ?? "batched", columns: () => 100, rows: () => 30 });
  // Finished output is written once, above the redrawn part: the screen is all of it, then the latest frame.
  let written = "";
  controller.view.onOutput((text) => (written += text));
  const app = render(createElement(SessionApp, { controller }));
  const frame = () => written + (app.lastFrame() ?? "");
  return {
    controller,
    server,
    stores,
    cwd,
    frame,
    inkFrame: () => app.lastFrame() ?? "",
    type: (text) => app.stdin.write(text),
    async waitFor(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = frame();
        if (typeof pattern === "string" ? text.includes(pattern) : pattern instanceof RegExp ? pattern.test(text) : pattern(text)) return text;
        if (Date.now() > deadline) throw new Error(`no frame showed ${String(pattern)} within ${timeoutMs} ms; the last one:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    saved: () => {
      const id = controller.sessionId();
      return id === undefined ? [] : stores.sessions.messages(id);
    },
    async close() {
      app.unmount();
      await controller.close();
      await models.dispose();
      stores.close();
      await server.close();
      vi.unstubAllEnvs();
    },
  };
}

let session: SessionHarness | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const ESC = "\u001B";
const text = (chunks: string[], delayMs = 0): ScriptedReply => ({ kind: "text", chunks, delayMs });
const call = (id: string, name: string, args: Record<string, unknown>): ScriptedReply => ({ kind: "tool-calls", calls: [{ id, name, arguments: JSON.stringify(args) }] });
type ChatBody = { messages: { role: string; content: string | null }[] };
const messagesOf = (request: RecordedRequest | undefined) => (request?.body as ChatBody | undefined)?.messages ?? [];
const plain = (frame: string) => stripAnsi(frame);

describe("interactive session (Ink, in process, scripted model)", () => {
  it("streams markdown with highlighted code and shows the speed figures", async () => {
    session = await startSessionHarness([
      text(["# Plan\n", "Change **one** line in `a.ts`:\n", "```ts\n", "const answer = 42; // the answer\n", "```\n", "- done"], 5),
    ]);
    await session.waitFor("● ready");
    session.type("explain");
    session.type("\r");
    const frame = await session.waitFor((current) => plain(current).includes("• done") && plain(current).includes("● ready"));
    expect(plain(frame)).toContain("› explain");
    expect(frame).toContain("\u001B[1mone\u001B[22m"); // bold
    expect(frame).toContain("\u001B[36ma.ts\u001B[39m"); // inline code
    expect(frame).toContain("\u001B[35mconst\u001B[39m"); // keyword
    expect(frame).toContain("\u001B[33m42\u001B[39m"); // number
    expect(frame).toContain("\u001B[90m// the answer\u001B[39m"); // comment
    expect(plain(frame)).toMatch(/● ready · scripted-model|● ready · coder/);
    expect(plain(frame)).toMatch(/TTFT \d+ ms/);
    // The finished answer went to static output: nothing is left in the live line.
    expect(session.controller.view.getSnapshot().tail).toBe("");
    expect(session.saved().map((stored) => stored.message.role)).toEqual(["system", "user", "assistant"]);
  });

  it("Esc stops the stream at once; the partial answer stays on screen and in history, marked interrupted", async () => {
    session = await startSessionHarness([{ kind: "hang-after", chunks: ["I will start ", "by reading the code"] }]);
    session.type("explain");
    session.type("\r");
    await session.waitFor("by reading the code");
    const pressed = performance.now();
    session.type(ESC);
    await session.server.waitForClientDisconnect(2_000);
    const stoppedMs = performance.now() - pressed;
    const frame = plain(await session.waitFor((current) => plain(current).includes("⏹ interrupted") && plain(current).includes("● ready")));
    expect(stoppedMs).toBeLessThan(500);
    expect(frame).toContain("I will start by reading the code");
    const saved = session.saved();
    expect(saved.at(-1)).toMatchObject({ interrupted: true, message: { role: "assistant", content: "I will start by reading the code" } });
  });

  it("Enter while the model writes interrupts it and sends the new instruction", async () => {
    const script: Script = (_request, index) => (index === 0 ? { kind: "hang-after", chunks: ["Working on the parser"] } : text(["Redirected: ", "doing the lexer."]));
    session = await startSessionHarness(script);
    session.type("fix the parser\r");
    await session.waitFor("Working on the parser");
    session.type("no, the lexer");
    session.type("\r");
    const frame = plain(await session.waitFor((current) => plain(current).includes("doing the lexer.") && plain(current).includes("● ready")));
    expect(frame.indexOf("⏹ interrupted")).toBeLessThan(frame.indexOf("› no, the lexer"));
    const second = messagesOf(session.server.requests[1]);
    expect(second.slice(-3)).toEqual([
      { role: "user", content: "fix the parser" },
      { role: "assistant", content: "Working on the parser" },
      { role: "user", content: "no, the lexer" },
    ]);
    expect(session.saved().map((stored) => [stored.message.role, stored.interrupted])).toEqual([
      ["system", false],
      ["user", false],
      ["assistant", true],
      ["user", false],
      ["assistant", false],
    ]);
  });

  it("Tab queues a message and sends it when the turn ends", async () => {
    session = await startSessionHarness([text(["part one, ", "part two, ", "part three."], 120), text(["queued reply"])]);
    session.type("first\r");
    await session.waitFor("part one");
    session.type("second");
    session.type("\t");
    await session.waitFor("queued: second");
    const frame = plain(await session.waitFor((current) => plain(current).includes("queued reply") && plain(current).includes("● ready")));
    expect(frame).toContain("part three.");
    expect(frame).not.toContain("⏹ interrupted");
    expect(frame).not.toContain("queued: second");
    expect(session.server.requests).toHaveLength(2);
    expect(messagesOf(session.server.requests[1]).slice(-2)).toEqual([
      { role: "assistant", content: "part one, part two, part three." },
      { role: "user", content: "second" },
    ]);
  });

  it("Esc gives queued messages back to the input box instead of sending them", async () => {
    session = await startSessionHarness([{ kind: "hang-after", chunks: ["thinking about it"] }]);
    session.type("first\r");
    await session.waitFor("thinking about it");
    session.type("then this");
    session.type("\t");
    await session.waitFor("queued: then this");
    session.type(ESC);
    // The input box takes the restored text in an effect, a render after the controller's update.
    await session.waitFor((current) => plain(current).includes("⏹ interrupted") && plain(current).includes("● ready") && /› then this/.test(plain(current)));
    expect(session.server.requests).toHaveLength(1);
  });

  it("asks before running a command: y runs it, n declines it", async () => {
    session = await startSessionHarness([call("c1", "shell", { command: "echo hi > made.txt" }), text(["ran it"]), call("c2", "shell", { command: "echo no > refused.txt" }), text(["ok, not run"])]);
    session.type("make a file\r");
    let frame = plain(await session.waitFor((current) => plain(current).includes("Run this command?")));
    expect(frame).toContain("$ echo hi > made.txt");
    expect(frame).toContain("● waiting for your answer");
    session.type("y");
    await session.waitFor((current) => plain(current).includes("ran it") && plain(current).includes("● ready"));
    expect(existsSync(join(session.cwd, "made.txt"))).toBe(true);

    session.type("another\r");
    await session.waitFor("$ echo no > refused.txt");
    session.type("n");
    frame = plain(await session.waitFor((current) => plain(current).includes("ok, not run") && plain(current).includes("● ready")));
    expect(existsSync(join(session.cwd, "refused.txt"))).toBe(false);
    expect(frame).toContain("the user declined this command");
  });

  it("Esc cancels a running tool at once", async () => {
    session = await startSessionHarness([call("c1", "shell", { command: "sleep 30" }), text(["unreachable"])]);
    session.type("wait a while\r");
    await session.waitFor("Run this command?");
    session.type("y");
    await session.waitFor((current) => plain(current).includes("● running a tool"));
    const pressed = performance.now();
    session.type(ESC);
    const frame = plain(await session.waitFor((current) => plain(current).includes("⏹ interrupted") && plain(current).includes("● ready")));
    expect(performance.now() - pressed).toBeLessThan(2_000);
    expect(frame).toContain("was interrupted");
    expect(session.server.requests).toHaveLength(1);
  });

  it("shows an applied edit as a coloured diff; /diff and /undo work on the session's checkpoints", async () => {
    const cwd = tempDir("spark-session-ws-");
    mkdirSync(join(cwd, "src"));
    writeFileSync(join(cwd, "src", "math.js"), "function add(a, b) {\n  return a - b;\n}\n");
    const patch = "*** Begin Patch\n*** Update File: src/math.js\n@@ function add(a, b) {\n-  return a - b;\n+  return a + b;\n }\n*** End Patch";
    session = await startSessionHarness([call("c1", "apply_patch", { patch }), text(["Fixed add."])], { cwd });
    session.type("fix add\r");
    let frame = await session.waitFor((current) => plain(current).includes("Fixed add.") && plain(current).includes("● ready"));
    expect(frame).toContain("\u001B[31m-  return a - b;\u001B[39m");
    expect(frame).toContain("\u001B[32m+  return a + b;\u001B[39m");
    expect(plain(frame)).toContain("✓ applied");
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toContain("a + b");

    session.type("/diff\r");
    frame = plain(await session.waitFor((current) => plain(current).includes("1 file changed, +1 -1")));
    expect(frame).toContain("+++ b/src/math.js");
    session.type("/undo\r");
    await session.waitFor((current) => plain(current).includes("Undid checkpoint"));
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toContain("a - b");
  });

  it("asks before an edit in suggest mode, showing it as a diff", async () => {
    const cwd = tempDir("spark-session-ws-");
    writeFileSync(join(cwd, "notes.txt"), "old line\n");
    const patch = "notes.txt\n<<<<<<< SEARCH\nold line\n=======\nnew line\n>>>>>>> REPLACE\n";
    session = await startSessionHarness([call("c1", "apply_patch", { patch }), text(["changed"])], { cwd, approval: "suggest" });
    session.type("change it\r");
    const frame = await session.waitFor((current) => plain(current).includes("Apply this edit?"));
    expect(frame).toContain("\u001B[32m+new line\u001B[39m");
    session.type("a");
    await session.waitFor((current) => plain(current).includes("changed") && plain(current).includes("● ready"));
    expect(readFileSync(join(cwd, "notes.txt"), "utf8")).toBe("new line\n");
  });

  it("runs the slash commands: /help, /review, /model, /approval, /new and /resume", async () => {
    session = await startSessionHarness([text(["first answer"]), text(["second answer"])]);
    session.type("/help\r");
    await session.waitFor((current) => plain(current).includes("Commands") && plain(current).includes("/resume [ID|N]"));
    session.type("/review\r");
    await session.waitFor("Nothing to review: this session has changed no files.");
    session.type("/model\r");
    await session.waitFor('No "review" model is configured');
    session.type("/model other-model\r");
    await session.waitFor("Model: other-model");
    session.type("/approval suggest\r");
    await session.waitFor("Approval mode: suggest");
    session.type("/bogus\r");
    await session.waitFor("Unknown command /bogus");

    session.type("hello\r");
    await session.waitFor("first answer");
    expect(messagesOf(session.server.requests[0])).toBeDefined();
    expect((session.server.requests[0]?.body as { model: string }).model).toBe("other-model");
    const firstId = session.controller.sessionId();
    session.type("/new\r");
    await session.waitFor("new conversation");
    expect(session.controller.sessionId()).toBeUndefined();
    session.type("/resume\r");
    await session.waitFor("Resume a session");
    session.type("\r");
    const frame = plain(await session.waitFor("resumed session"));
    expect(frame).toContain(`resumed session ${firstId?.slice(0, 8)}`);
    expect(session.controller.sessionId()).toBe(firstId);
    session.type("again\r");
    await session.waitFor("second answer");
    expect(session.saved().map((stored) => stored.message.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
  });

  it("writes finished output through <Static> in static mode", async () => {
    session = await startSessionHarness([text(["line one\n", "line two\n", "tail"])], { mode: "static" });
    session.type("go\r");
    await session.waitFor((current) => plain(current).includes("tail") && plain(current).includes("● ready"));
    expect(plain(session.inkFrame())).toContain("line one");
  });

  it("keeps the transcript in the redrawn area in naive mode (the benchmark's baseline)", async () => {
    session = await startSessionHarness([text(["line one\n", "line two\n", "tail"])], { mode: "naive" });
    session.type("go\r");
    const frame = plain(await session.waitFor((current) => plain(current).includes("tail") && plain(current).includes("● ready")));
    expect(frame).toContain("line one");
    expect(session.controller.view.getSnapshot().all.length).toBeGreaterThan(0);
    expect(session.controller.view.getSnapshot().unwritten).toHaveLength(0);
  });
});
