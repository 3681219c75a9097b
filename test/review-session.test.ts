import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { createElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openRuntime } from "../src/cli/common/open-runtime.js";
import { stripAnsi } from "../src/cli/session/ansi-style.js";
import { ModelSwitcher, prepareAgentWiring } from "../src/runtime/index.js";
import { SessionApp } from "../src/cli/session/session-app.js";
import { SessionController } from "../src/cli/session/session-controller.js";
import { openStores } from "../src/store/index.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from "./support/scripted-openai-server.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

type Body = { messages: { role: string; content: string | null }[]; response_format?: unknown };

const patchCall = (id: string, from: string, to: string): ScriptedReply => ({
  kind: "tool-calls",
  calls: [{ id, name: "apply_patch", arguments: JSON.stringify({ patch: `notes.txt\n<<<<<<< SEARCH\n${from}\n=======\n${to}\n>>>>>>> REPLACE\n` }) }],
});
const verdict = (value: "approve" | "revise", comments: unknown[] = []): ScriptedReply => ({ kind: "text", chunks: [JSON.stringify({ verdict: value, summary: value === "approve" ? "good now" : "almost", risk: "low", comments, security: [] })] });
const sayHello = { file: "notes.txt", line: 1, severity: "minor", comment: "say hello properly" };

/**
 * One server plays both models: a request with a response_format is the reviewer's (`verdicts` in turn,
 * the last repeated), the rest the drafter's: a patch for the task, another for the reviewer's comments
 * (`revision`), then a short answer once its patch is applied.
 */
function models(verdicts: ScriptedReply[], revision: ScriptedReply = patchCall("p2", "hi", "hello")) {
  let reviews = 0;
  return (request: RecordedRequest): ScriptedReply => {
    const body = request.body as Body;
    if (body.response_format) return verdicts[Math.min(reviews++, verdicts.length - 1)] as ScriptedReply;
    const last = body.messages.at(-1);
    if (last?.role === "tool") return { kind: "text", chunks: [body.messages.some((message) => message.content?.startsWith("A reviewer asked")) ? "Revised it." : "Changed it."] };
    return last?.content?.startsWith("A reviewer asked") ? revision : patchCall("p1", "old", "hi");
  };
}

async function openSession(script: (request: RecordedRequest) => ScriptedReply, config = "") {
  const server = await startScriptedServer(script);
  cleanups.push(() => server.close());
  const home = tempDir("spark-session-home-");
  writeFileSync(join(home, "config.toml"), `[aliases]\nreview = "critic"\n[review]\nchecks = ["grep -q h notes.txt"]\n${config}`);
  vi.stubEnv("SPARK_HOME", home);
  const cwd = tempDir("spark-session-ws-");
  writeFileSync(join(cwd, "notes.txt"), "old\n");
  const wiring = await prepareAgentWiring({ cwd });
  const models = await ModelSwitcher.open(await openRuntime({ baseUrl: server.url, model: "coder" }, { printWarnings: false }));
  const stores = openStores(home);
  const controller = new SessionController({ wiring, stores, models, systemPrompt: "You are a test.", mode: "batched", columns: () => 100, rows: () => 30 });
  let written = "";
  controller.view.onOutput((text) => (written += text));
  const app = render(createElement(SessionApp, { controller }));
  cleanups.push(() => stores.close(), () => models.dispose(), () => controller.close(), () => app.unmount());
  const screen = () => stripAnsi(written + (app.lastFrame() ?? ""));
  const waitFor = async (text: string) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 10))) {
      if (screen().includes(text)) return;
    }
    throw new Error(`never showed ${text}:\n${screen()}`);
  };
  app.stdin.write("change it\r");
  await waitFor("Changed it.");
  await waitFor("● ready");
  return { server, cwd, app, stores, controller, screen, waitFor };
}

const reviewRequests = (server: { requests: RecordedRequest[] }) => server.requests.filter((request) => (request.body as Body).response_format);

describe("/review in the interactive session", () => {
  it("drives the revise loop: the verdict's comments go back to the session's model, its revision is reviewed again, rounds shown", async () => {
    const { server, cwd, app, stores, controller, screen, waitFor } = await openSession(models([verdict("revise", [sayHello]), verdict("approve")]));
    app.stdin.write("/review\r");
    await waitFor("Review: approved · 2 rounds");
    const shown = screen();
    expect(shown).toContain("Reviewing 1 changed file with review");
    expect(shown).toContain("check grep -q h notes.txt: passed");
    expect(shown).toContain("verdict: revise · risk low · almost");
    expect(shown).toContain("notes.txt:1 [minor] say hello properly");
    expect(shown).toMatch(/── round 2: revising with coder \(the reviewer's comments sent back\) ──[\s\S]*apply_patch[\s\S]*Revised it\.[\s\S]*verdict: approve · risk low · good now/);
    expect(readFileSync(join(cwd, "notes.txt"), "utf8")).toBe("hello\n");

    // The comments reached the drafter in this conversation (the user's first message still in it).
    const revisionCall = server.requests.find((request) => !(request.body as Body).response_format && (request.body as Body).messages.at(-1)?.content?.startsWith("A reviewer asked"));
    const sent = (revisionCall?.body as Body).messages;
    expect(sent.at(-1)?.content).toContain("- notes.txt:1 [minor] say hello properly");
    expect(sent.some((message) => message.content === "change it")).toBe(true);
    const [first, second] = reviewRequests(server).map((request) => (request.body as Body).messages.at(-1)?.content ?? "");
    expect(first).toContain("+hi");
    expect(first).toContain("- change it");
    expect(second).toContain("+hello");
    // Saved in the session like a turn: the request and the revision's answer.
    const saved = stores.sessions.messages(controller.sessionId() as string).map((entry) => entry.message.content);
    expect(saved.some((content) => content?.startsWith("A reviewer asked"))).toBe(true);
    expect(saved).toContain("Revised it.");
  });

  it("escalates a revision to a security path (handoff mode): the review model takes over and its change is reviewed before done", async () => {
    const addAuth: ScriptedReply = { kind: "tool-calls", calls: [{ id: "a1", name: "apply_patch", arguments: JSON.stringify({ patch: "*** Begin Patch\n*** Add File: src/auth/keys.js\n+module.exports = {};\n*** End Patch" }) }] };
    const { server, app, waitFor, screen } = await openSession(models([verdict("revise", [sayHello]), verdict("approve")], addAuth), '[review.escalate]\nmode = "handoff"\n');
    app.stdin.write("/review\r");
    await waitFor("Review: approved after the handoff · 3 rounds");
    expect(screen()).not.toContain("after round 1");
    expect(screen()).toMatch(/Escalated \(handoff\) after round 2: src\/auth\/keys\.js is security-sensitive[\s\S]*── round 3: handed off to review ──[\s\S]*verdict: approve/);
    const handoff = server.requests.find((request) => (request.body as Body).messages.some((message) => message.content?.includes("Why it was handed to you")));
    expect(handoff).toBeDefined();
    expect(reviewRequests(server)).toHaveLength(2);
  });

  it("stops on Esc while the drafter revises; the patches made so far stay", async () => {
    const stalled: ScriptedReply = { kind: "hang-after", chunks: ["Working on"] };
    const { app, waitFor, screen, cwd } = await openSession(models([verdict("revise", [sayHello])], stalled));
    app.stdin.write("/review\r");
    await waitFor("Working on");
    app.stdin.write("\u001b");
    await waitFor("the patches made so far stay (/undo restores them)");
    await waitFor("● ready");
    expect(screen()).not.toContain("Review: ");
    expect(readFileSync(join(cwd, "notes.txt"), "utf8")).toBe("hi\n");
  });
});
