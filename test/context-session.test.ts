import { afterEach, describe, expect, it, vi } from "vitest";
import { stateMarker } from "../src/agent/context/index.js";
import { openRuntime } from "../src/cli/common/open-runtime.js";
import { stripAnsi } from "../src/cli/session/ansi-style.js";
import { ModelSwitcher, prepareAgentWiring } from "../src/runtime/index.js";
import { SessionController } from "../src/cli/session/session-controller.js";
import { statusParts } from "../src/cli/session/status-line.js";
import { openStores, type SparkStores } from "../src/store/index.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

/**
 * Context management in the interactive session, through its controller (the real agent, stores and
 * client; the scripted server as the model): the status line's window fill, /compact, automatic
 * compaction, and an oversize message that is refused while the session goes on.
 */

interface Harness {
  controller: SessionController;
  server: ScriptedServer;
  output(): string;
  send(text: string): Promise<void>;
  close(): Promise<void>;
}

type ChatBody = { messages: { role: string; content: string | null }[] };
const messagesOf = (request: RecordedRequest | undefined) => (request?.body as ChatBody | undefined)?.messages ?? [];
const isSummary = (request: RecordedRequest) => messagesOf(request).at(-1)?.content?.includes("Summarise them for yourself") ?? false;

const quickSummary: ScriptedReply = { kind: "text", chunks: ["Decisions: keep the session alive (decision #9)."] };

async function startHarness(contextSize: number, summaryReply: ScriptedReply = quickSummary): Promise<Harness> {
  let turn = 0;
  const server = await startScriptedServer((request) => (isSummary(request) ? summaryReply : { kind: "text", chunks: [`answer ${++turn}`] }));
  const home = tempDir("spark-ctx-session-home-");
  vi.stubEnv("SPARK_HOME", home);
  const wiring = await prepareAgentWiring({ cwd: tempDir("spark-ctx-session-ws-") });
  const models = await ModelSwitcher.open(await openRuntime({ baseUrl: server.url, model: "coder", contextSize: String(contextSize) }, { printWarnings: false }));
  const stores: SparkStores = openStores(home);
  const controller = new SessionController({ wiring, stores, models, systemPrompt: "You are a test.", mode: "batched", columns: () => 100, rows: () => 30, tools: [] });
  let written = "";
  controller.view.attachWriter((text) => (written += text));
  return {
    controller,
    server,
    output: () => stripAnsi(written),
    async send(text) {
      controller.submit(text, "send");
      const deadline = Date.now() + 10_000;
      // A command or turn has started within a tick; wait until it has ended.
      await new Promise((resolve) => setTimeout(resolve, 20));
      while (controller.busy() || controller.view.getSnapshot().status.state !== "idle") {
        if (Date.now() > deadline) throw new Error(`"${text}" did not finish; output:\n${stripAnsi(written)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      controller.view.flushNow();
    },
    async close() {
      await controller.close();
      await models.dispose();
      stores.close();
      await server.close();
      vi.unstubAllEnvs();
    },
  };
}

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const paragraph = (label: string, times = 12) => `${label}: ${"some context the user pasted into the session. ".repeat(times)}`;
/** The task, then a paste longer than the state that replaces it (which keeps 2,000 characters of each message), else /compact keeps it. */
const conversation = [`TASK-ALPHA ${paragraph("first")}`, paragraph("second", 100), "third: go on"].map((text) => text.trim());

describe("context management in the interactive session", () => {
  it("shows the window fill, compacts on /compact and carries on from the summary", async () => {
    harness = await startHarness(4000);
    await harness.send(conversation[0] ?? "");
    const fill = harness.controller.view.getSnapshot().status.contextFill;
    expect(fill).toBeGreaterThan(0);
    expect(statusParts(harness.controller.view.getSnapshot().status).join(" · ")).toMatch(/ctx \d+%/);
    for (const text of conversation.slice(1)) await harness.send(text);
    await harness.send("/compact");
    expect(harness.output()).toMatch(/context compacted: [\d,]+ → [\d,]+ prompt tokens/);
    expect(harness.server.requests.filter(isSummary)).toHaveLength(1);
    await harness.send("and now?");
    const last = messagesOf(harness.server.requests.at(-1));
    expect(last[1]?.content?.startsWith(stateMarker)).toBe(true);
    expect(last[1]?.content).toContain("TASK-ALPHA");
    expect(last[1]?.content).toContain("decision #9");
    expect(last.at(-1)?.content).toBe("and now?");
  });

  it("↑ after /compact recalls what the user typed, never the summary that replaced older turns", async () => {
    harness = await startHarness(4000);
    for (const text of conversation) await harness.send(text);
    await harness.send("/compact");
    expect(harness.output()).toContain("context compacted");
    expect(harness.controller.history()).toEqual(conversation);
  });

  it("a /compact whose summary is longer than what it replaces says so and keeps the conversation", async () => {
    harness = await startHarness(4000, { kind: "text", chunks: [`Decisions: ${"a long-winded summary that says nothing. ".repeat(150)}`] });
    const typed = ["A", "B", "C"].map((label) => paragraph(label, 30).trim());
    for (const text of typed) await harness.send(text);
    await harness.send("/compact");
    expect(harness.server.requests.filter(isSummary)).toHaveLength(1);
    expect(harness.output()).toMatch(/Compaction did not shrink the conversation \([\d,]+ → [\d,]+ prompt tokens\): kept it as it was/);
    expect(harness.output()).not.toContain("context compacted");
    await harness.send("and now?");
    const last = messagesOf(harness.server.requests.at(-1));
    expect(last.some((message) => message.content?.startsWith(stateMarker))).toBe(false);
    expect(last.filter((message) => message.role === "user").map((message) => message.content)).toEqual([...typed, "and now?"]);
  });

  it("compacts by itself near the end of the window", async () => {
    harness = await startHarness(2400);
    for (const label of ["one", "two", "three", "four", "five"]) await harness.send(`${label.toUpperCase()} ${paragraph(label, 24)}`);
    expect(harness.output()).toContain("context compacted");
    const summaries = harness.server.requests.filter(isSummary);
    expect(summaries.length).toBeGreaterThan(0);
    const after = harness.server.requests[harness.server.requests.indexOf(summaries[0] as RecordedRequest) + 1];
    expect(messagesOf(after)[1]?.content).toContain("ONE");
  });

  it("refuses a message larger than the window, saying what to do, and the session goes on", async () => {
    harness = await startHarness(2000);
    await harness.send(`please read: ${"x".repeat(20_000)}`);
    expect(harness.output()).toContain("context window of 2,000 tokens");
    expect(harness.output()).toContain("Split the input");
    await harness.send("a short question");
    expect(harness.output()).toContain("answer 1");
  });

  it("takes an oversize message out of the conversation, so later calls and summaries do not carry it", async () => {
    harness = await startHarness(2000);
    await harness.send("TASK-BETA a first short message");
    await harness.send(`please read: ${"x".repeat(20_000)}`);
    expect(harness.output()).toContain("Split the input");
    expect(harness.output()).toContain("That message was taken out of the conversation");
    await harness.send("a short question");
    await harness.send("/compact");
    const sent = harness.server.requests.map((request) => JSON.stringify(messagesOf(request)));
    expect(sent.some((body) => body.includes("x".repeat(1000)))).toBe(false);
    expect(harness.server.requests.filter(isSummary).length).toBeGreaterThan(0);
    const last = messagesOf(harness.server.requests.filter((request) => !isSummary(request)).at(-1));
    expect(last.at(-1)?.content).toBe("a short question");
    expect(JSON.stringify(last)).toContain("TASK-BETA");
  });

  /** Starts /compact and returns once its summary request has reached the model. */
  async function compactStarted(h: Harness): Promise<void> {
    h.controller.submit("/compact", "send");
    const deadline = Date.now() + 10_000;
    while (!h.server.requests.some(isSummary)) {
      if (Date.now() > deadline) throw new Error("no summary request");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("/compact is a busy operation: Esc cancels it, the conversation is unchanged and the session idle again", async () => {
    harness = await startHarness(4000, { kind: "hang-after", chunks: [] });
    for (const text of conversation) await harness.send(text);
    await compactStarted(harness);
    expect(harness.controller.busy()).toBe(true);
    harness.controller.submit("typed meanwhile", "send");
    harness.controller.view.flushNow();
    expect(harness.controller.view.getSnapshot().queued).toEqual(["typed meanwhile"]);
    expect(harness.controller.interrupt()).toBe(true);
    await harness.send("/help");
    expect(harness.controller.busy()).toBe(false);
    expect(harness.controller.view.getSnapshot().status.state).toBe("idle");
    expect(harness.output()).not.toContain("context compacted");
    expect(harness.output()).toContain("Interrupted: compacting the conversation stopped");
    // Esc stops everything: the queued message goes back to the input box, not lost.
    expect(harness.controller.view.getSnapshot().inputRestore?.text).toBe("typed meanwhile");
    await harness.send("and now?");
    const last = messagesOf(harness.server.requests.at(-1));
    expect(last[1]?.content).toContain("TASK-ALPHA");
    expect(last[1]?.content?.startsWith(stateMarker)).toBe(false);
    expect(last.at(-1)?.content).toBe("and now?");
  });

  it("a message sent during /compact is queued and sent after it, on the compacted conversation; /new waits", async () => {
    harness = await startHarness(4000, { kind: "text", chunks: ["Decisions: ", "keep going ", "(decision #9)."], delayMs: 300 });
    for (const text of conversation) await harness.send(text);
    await compactStarted(harness);
    harness.controller.submit("/new", "send");
    harness.controller.submit("typed meanwhile", "send");
    harness.controller.view.flushNow();
    expect(harness.output()).toContain("Queued: sent when the command ends");
    await harness.send("/help");
    expect(harness.output()).toContain("/new waits for the turn to end");
    expect(harness.output()).not.toContain("── new conversation ──");
    expect(harness.output()).toMatch(/context compacted/);
    const last = messagesOf(harness.server.requests.at(-1));
    expect(last.at(-1)?.content).toBe("typed meanwhile");
    expect(last[1]?.content?.startsWith(stateMarker)).toBe(true);
    expect(last[1]?.content).toContain("decision #9");
  });
});
