import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { estimateRequestTokens, stateMarker } from "../src/agent/context/index.js";
import type { Message, ToolDefinition } from "../src/core/index.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

type WireMessage = { role: string; content: string | null; tool_call_id?: string; tool_calls?: { id: string; function: { name: string; arguments: string } }[] };
type ChatBody = { messages: WireMessage[]; tools?: { function: ToolDefinition }[] };

/** The request as Spark's estimator sees it, to check it against the budget. */
function asRequest(body: ChatBody): { messages: Message[]; tools: ToolDefinition[] } {
  const messages = body.messages.map((wire): Message => {
    const content = wire.content ?? "";
    if (wire.role === "tool") return { role: "tool", toolCallId: wire.tool_call_id ?? "", content };
    if (wire.role === "assistant") return { role: "assistant", content, toolCalls: (wire.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })) };
    return { role: wire.role as "user" | "system", content };
  });
  return { messages, tools: (body.tools ?? []).map((tool) => tool.function) };
}

const WINDOW = 6000;
/** The default reserve: a quarter of the window (no max_tokens configured). */
const BUDGET = WINDOW - WINDOW / 4;
const TASK = "Rename the constant LIMIT to MAX_ITEMS in src/limits.ts after reading the notes";
const call = (id: string, name: string, args: Record<string, unknown>): ScriptedReply => ({ kind: "tool-calls", calls: [{ id, name, arguments: JSON.stringify(args) }] });
const isSummaryRequest = (request: RecordedRequest) => (request.body as ChatBody).messages.at(-1)?.content?.includes("Summarise them for yourself") ?? false;

function project(): string {
  const cwd = tempDir("spark-context-");
  mkdirSync(join(cwd, "src"));
  writeFileSync(join(cwd, "src", "limits.ts"), "export const LIMIT = 10;\n");
  // 300 long lines: each page of read_file is far over the tool output cap.
  const notes = Array.from({ length: 300 }, (_, index) => `note ${index + 1}: ${"the quick brown fox jumps over the lazy dog ".repeat(3)}`);
  writeFileSync(join(cwd, "NOTES.md"), `${notes.join("\n")}\n`);
  mkdirSync(join(cwd, ".spark"));
  writeFileSync(join(cwd, ".spark", "config.toml"), `context_size = ${WINDOW}\n[context]\ntool_output_max_bytes = 3000\n`);
  return cwd;
}

describe("context management with a scripted remote model", () => {
  it("caps oversize tool output, compacts a session past the window and carries on with the task state intact", async () => {
    const cwd = project();
    const steps: ScriptedReply[] = [
      call("r1", "read_file", { path: "src/limits.ts" }),
      call("r2", "read_file", { path: "NOTES.md" }),
      call("r3", "read_file", { path: "NOTES.md", start_line: 101 }),
      call("s1", "search", { pattern: "quick brown" }),
      call("p1", "apply_patch", { patch: "*** Begin Patch\n*** Update File: src/limits.ts\n@@\n-export const LIMIT = 10;\n+export const MAX_ITEMS = 10;\n*** End Patch" }),
      { kind: "text", chunks: ["Renamed LIMIT to MAX_ITEMS."] },
    ];
    let step = 0;
    server = await startScriptedServer((request) =>
      isSummaryRequest(request)
        ? { kind: "text", chunks: ["Decisions: rename in src/limits.ts only (the decision #42).\nOpen problems: the patch is not written yet."] }
        : (steps[Math.min(step++, steps.length - 1)] as ScriptedReply),
    );
    // The strong model, configured as `review`, writes the summary.
    appendFileSync(join(cwd, ".spark", "config.toml"), `[models.review]\nbase_url = "${server.url}"\n`);
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", TASK], { cwd, timeoutMs: 60_000 });
    expect(result.stderr).toContain("context compacted");
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, "src", "limits.ts"), "utf8")).toBe("export const MAX_ITEMS = 10;\n");

    const bodies = server.requests.map((request) => request.body as ChatBody);
    const summaryIndex = server.requests.findIndex(isSummaryRequest);
    expect(summaryIndex).toBeGreaterThan(0);
    // The summary call is the conversation as it stood plus the question, so a local engine reuses its cache.
    expect(server.requests.map((request) => (request.body as { model: string }).model)).toEqual(bodies.map((_, index) => (index === summaryIndex ? "review" : "coder")));
    const summary = bodies[summaryIndex] as ChatBody;
    const before = bodies[summaryIndex - 1] as ChatBody;
    expect(summary.messages[0]).toEqual(before.messages[0]);
    expect(summary.messages[1]?.content).toBe(TASK);
    expect(JSON.stringify(summary.messages)).toContain("NOTES.md");

    // A long file is read in pages that fit the tool output cap, saying where to read on.
    const toolOutputs = bodies.flatMap((body) => body.messages.filter((message) => message.role === "tool").map((message) => message.content ?? ""));
    const notesPage = toolOutputs.find((output) => output.includes("note 1:")) ?? "";
    expect(notesPage).toMatch(/NOTES\.md has 300 lines; read on with start_line \d+/);
    expect(Buffer.byteLength(notesPage)).toBeLessThanOrEqual(3000);
    // Oversize tool output (200 search matches) is capped in the history: head and tail kept, the middle elided.
    const matches = toolOutputs.find((output) => output.includes("NOTES.md:1:")) ?? "";
    expect(matches).toContain("elided to fit the context window");
    expect(matches).toContain("more than 200 matches");
    expect(Buffer.byteLength(matches)).toBeLessThan(3300);

    // After compaction: the state carries the task, the files touched and the model's summary, and the request fits.
    const after = bodies[summaryIndex + 1] as ChatBody;
    const state = after.messages[1]?.content ?? "";
    expect(state.startsWith(stateMarker)).toBe(true);
    expect(state).toContain(TASK);
    expect(state).toMatch(/src\/limits\.ts \(read\)/);
    expect(state).toMatch(/NOTES\.md \(read\)/);
    expect(state).toContain("the decision #42");
    expect(after.messages.length).toBeLessThan(before.messages.length);
    expect(estimateRequestTokens(asRequest(after))).toBeLessThanOrEqual(BUDGET);
    for (const body of bodies) expect(estimateRequestTokens(asRequest(body))).toBeLessThanOrEqual(BUDGET);
    // The work went on from the compacted conversation: the patch came after it, and its result was fed back.
    const last = bodies.at(-1) as ChatBody;
    expect(last.messages[1]?.content?.startsWith(stateMarker)).toBe(true);
    expect(last.messages.filter((message) => message.role === "tool").at(-1)?.content).toMatch(/applied/i);
  });

  it("refuses a single input larger than the window with a clear error, before calling the model", async () => {
    const cwd = project();
    server = await startScriptedServer([{ kind: "text", chunks: ["never"] }]);
    const task = `Summarise this: ${"lorem ipsum dolor sit amet ".repeat(2000)}`;
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "--context-size", "2000", task], { cwd, timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("context window of 2,000 tokens");
    expect(result.stderr).toContain("--context-size");
    expect(result.stderr).toContain("Split the input");
    expect(server.requests.filter((request) => request.method === "POST")).toHaveLength(0);
  });

  it("spark models shows each model's context window and where it comes from", async () => {
    const cwd = tempDir("spark-context-models-");
    mkdirSync(join(cwd, ".spark"));
    writeFileSync(join(cwd, ".spark", "config.toml"), ['[aliases]', 'fast = "gpt-5.3-codex-spark"', 'strong = "gpt-5.3-codex"', "[models.lab]", 'base_url = "http://127.0.0.1:9/v1"', "context_size = 32000", ""].join("\n"));
    const result = await runSpark(["models"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/fast\n.*\n.*context window: 128,000 tokens \(known model\)/);
    expect(result.stdout).toMatch(/strong\n.*\n.*context window: 400,000 tokens \(known model\)/);
    expect(result.stdout).toMatch(/lab\n.*\n.*context window: 32,000 tokens \(from config\)/);
  });
});
