import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sanitize, stripAnsi } from "../src/cli/session/ansi-style.js";
import { patchDiffLines, unifiedDiffLines } from "../src/cli/session/edit-diff.js";
import { FrameScheduler } from "../src/cli/session/frame-scheduler.js";
import { grammarFor, highlightLine } from "../src/cli/session/highlight-code.js";
import { deleteBackward, deleteWordBackward, emptyInput, insertText, killToStart, moveCursor, walkHistory } from "../src/cli/session/input-editing.js";
import { LiveMeter } from "../src/cli/session/live-meter.js";
import { MarkdownStream } from "../src/cli/session/markdown-stream.js";
import { statusParts } from "../src/cli/session/status-line.js";
import { ViewStore, type StatusView } from "../src/cli/session/view-store.js";
import { cutAt, markdownDocument } from "./support/markdown-documents.js";

/** The session's rendering pieces on their own: markdown, highlighting, diffs, input editing, batching. */

const status: StatusView = { model: "m", state: "idle", approvalMode: "auto-edit", sessionId: undefined, ttftMs: undefined, tokensPerSecond: undefined, promptTokensReused: undefined, totalTokens: 0, quota: undefined };
const waitMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("streamed markdown", () => {
  it("finishes lines as their newline arrives, whatever the delta boundaries", () => {
    const whole = "# Title\nSome *italic* and **bold** text.\n- item one\n2. second\n> quoted\n---\nend";
    const oneGo = new MarkdownStream(() => 80);
    const expected = [...oneGo.push(whole), ...oneGo.end()];
    const stream = new MarkdownStream(() => 80);
    const lines: string[] = [];
    for (const char of whole) lines.push(...stream.push(char));
    expect(stripAnsi(stream.partialLine())).toBe("end");
    lines.push(...stream.end());
    expect(lines).toEqual(expected);
    expect(lines.map(stripAnsi)).toEqual(["Title", "Some italic and bold text.", "• item one", "2. second", "│ quoted", "─".repeat(40), "end"]);
    expect(lines[1]).toContain("\u001B[3mitalic\u001B[23m");
  });

  it("highlights fenced code by language and leaves code spans unstyled inside", () => {
    const stream = new MarkdownStream(() => 80);
    const lines = [...stream.push("```python\ndef f(x):  # note\n    return 'a*b*c'\n```\nuse `a*b*c` here\n"), ...stream.end()];
    expect(lines[1]).toContain("\u001B[35mdef\u001B[39m");
    expect(lines[1]).toContain("\u001B[90m# note\u001B[39m");
    expect(lines[2]).toContain("\u001B[32m'a*b*c'\u001B[39m");
    expect(stripAnsi(lines[4] ?? "")).toBe("use a*b*c here");
  });

  it("carries a block comment across lines", () => {
    const grammar = grammarFor("ts");
    if (!grammar) throw new Error("no ts grammar");
    const first = highlightLine("let a = 1; /* start", grammar, { inBlockComment: false });
    expect(first.state.inBlockComment).toBe(true);
    const second = highlightLine("still comment */ let b", grammar, first.state);
    expect(second.text).toContain("\u001B[90mstill comment */\u001B[39m");
    expect(second.text).toContain("\u001B[35mlet\u001B[39m");
    expect(second.state.inBlockComment).toBe(false);
  });

  it("cuts a line that never ends near the screen width, so the live part stays small", () => {
    const stream = new MarkdownStream(() => 40);
    const finished = stream.push("word ".repeat(200));
    expect(finished.length).toBeGreaterThan(10);
    expect(finished.every((line) => line.length <= 40)).toBe(true);
    expect(stream.partialLine().length).toBeLessThanOrEqual(120);
  });

  it("keeps a fence opened on a list item's line to that item: the item's closing fence does not open one over the rest", () => {
    const stream = new MarkdownStream(() => 80);
    const lines = [...stream.push("- ```js\n  let a = 1;\n  ```\n- next **item**\n\nafter **bold**\n"), ...stream.end()];
    expect(lines.map(stripAnsi)).toEqual(["• ```js", "  let a = 1;", "  ```", "• next item", "", "after bold"]);
    expect(lines[1]).toContain("\u001B[35mlet\u001B[39m");
    expect(lines[5]).toContain("\u001B[1mbold\u001B[22m");
  });

  it("reads neither a backtick info string nor the rest of a line cut for width as a fence", () => {
    const stream = new MarkdownStream(() => 20);
    const cutBeforeFence = `${"a".repeat(15)} \`\`\`js${" more".repeat(20)}`;
    const pieces = [...stream.push("```x`y` is text\n**bold** line\n"), ...stream.push(cutBeforeFence), ...stream.push("\nafter **bold**\n"), ...stream.end()];
    expect(pieces[1]).toContain("\u001B[1mbold\u001B[22m");
    expect(pieces.at(-1)).toContain("\u001B[1mbold\u001B[22m");
  });

  it("renders the same lines however the text arrives (generated markdown, lines within three screen widths)", () => {
    fc.assert(
      fc.property(markdownDocument, fc.array(fc.nat({ max: 400 }), { maxLength: 12 }), (text, cuts) => {
        const oneGo = new MarkdownStream(() => 200);
        const expected = [...oneGo.push(text), ...oneGo.end()];
        const stream = new MarkdownStream(() => 200);
        expect([...cutAt(text, cuts).flatMap((piece) => stream.push(piece)), ...stream.end()]).toEqual(expected);
      }),
      { seed: 35, numRuns: 300 },
    );
  });

  it("removes escape sequences and control characters a model might send", () => {
    expect(sanitize("a\u001B[2Jb\u0007c\rd\te")).toBe("abcd    e");
  });
});

describe("diffs", () => {
  it("shows a codex patch with context, removals and additions", () => {
    const lines = patchDiffLines("*** Begin Patch\n*** Update File: a.ts\n@@ function f() {\n-  return 1;\n+  return 2;\n }\n*** Add File: b.ts\n+new\n*** End Patch") ?? [];
    expect(lines.map(stripAnsi)).toEqual(["  a.ts", "@@ function f() {", "-  return 1;", "+  return 2;", " }", "  new file b.ts", "+new"]);
  });

  it("shows SEARCH/REPLACE blocks with their shared lines as context", () => {
    const lines = patchDiffLines("a.ts\n<<<<<<< SEARCH\nkeep\nold\nkeep too\n=======\nkeep\nnew\nkeep too\n>>>>>>> REPLACE\n") ?? [];
    expect(lines.map(stripAnsi)).toEqual(["  a.ts", "@@", " keep", "-old", "+new", " keep too"]);
  });

  it("is undefined for text that is not a patch, and colours unified diffs", () => {
    expect(patchDiffLines("not a patch")).toBeUndefined();
    expect(unifiedDiffLines("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")).toEqual(["\u001B[1m--- a/x\u001B[22m", "\u001B[1m+++ b/x\u001B[22m", "\u001B[36m@@ -1 +1 @@\u001B[39m", "\u001B[31m-a\u001B[39m", "\u001B[32m+b\u001B[39m"]);
  });
});

describe("input editing", () => {
  it("inserts, deletes and moves", () => {
    let state = insertText(emptyInput, "hello world");
    state = moveCursor(state, "left");
    state = deleteBackward(state);
    expect(state).toMatchObject({ text: "hello word", cursor: 9 });
    state = deleteWordBackward(moveCursor(state, "end"));
    expect(state.text).toBe("hello ");
    state = killToStart(state);
    expect(state).toMatchObject({ text: "", cursor: 0 });
  });

  it("walks the history and gives the draft back", () => {
    const history = ["first", "second"];
    let state = insertText(emptyInput, "draft");
    state = walkHistory(state, history, "older");
    expect(state.text).toBe("second");
    state = walkHistory(state, history, "older");
    expect(state.text).toBe("first");
    state = walkHistory(walkHistory(state, history, "newer"), history, "newer");
    expect(state.text).toBe("draft");
  });
});

describe("frame batching", () => {
  it("draws a burst of deltas in one frame", async () => {
    let frames = 0;
    let written = "";
    const store = new ViewStore({ mode: "batched", columns: () => 80, status: () => status });
    store.subscribe(() => frames++);
    store.attachWriter((text) => (written += text));
    for (let i = 0; i < 1000; i++) store.appendText(`token${i} `);
    expect(frames).toBe(0);
    await waitMs(40);
    expect(frames).toBe(1);
    // Finished lines went to the terminal once; only the unfinished one is left to redraw.
    expect(stripAnsi(written)).toContain("token0 token1");
    expect(stripAnsi(written)).not.toContain("token999");
    expect(stripAnsi(store.getSnapshot().tail)).toContain("token999");
    store.dispose();
  });

  it("draws at most one frame per frame interval however fast deltas come", async () => {
    let frames = 0;
    const scheduler = new FrameScheduler(() => frames++, 16);
    const started = performance.now();
    while (performance.now() - started < 200) {
      scheduler.request();
      await new Promise((resolve) => setImmediate(resolve));
    }
    scheduler.dispose();
    expect(frames).toBeGreaterThan(3);
    expect(frames).toBeLessThanOrEqual(Math.ceil(200 / 16) + 1);
  });

  it("draws every delta at once in naive mode", () => {
    let frames = 0;
    const store = new ViewStore({ mode: "naive", columns: () => 80, status: () => status });
    store.subscribe(() => frames++);
    for (let i = 0; i < 10; i++) store.appendText("x\n");
    expect(frames).toBe(10);
    expect(store.getSnapshot().all).toHaveLength(10);
    store.dispose();
  });
});

describe("status line", () => {
  it("shows model, TTFT, live speed, tokens, cache reuse, approval mode and session", () => {
    let now = 0;
    const meter = new LiveMeter(() => now);
    meter.startCall();
    now = 120;
    for (let i = 0; i < 50; i++) meter.token();
    now = 620;
    for (let i = 0; i < 50; i++) meter.token();
    const live = meter.figures();
    expect(live.ttftMs).toBe(120);
    expect(live.tokensPerSecond).toBe(200);
    meter.usage({ inputTokens: 1000, outputTokens: 100, cachedInputTokens: 900, acceptedPredictionTokens: 0, rejectedPredictionTokens: 0 });
    meter.finishCall({ ttftMs: 118, decodeTokensPerSecond: 210, prefillTokensPerSecond: null, totalMs: 600, promptTokensReused: 900, draftTokensAccepted: 0, draftTokensRejected: 0 });
    const parts = statusParts({ ...status, ...meter.figures(), sessionId: "3f2c91ab-0000" });
    expect(parts).toEqual(["m", "TTFT 118 ms", "210 tok/s", "1,100 tokens", "900 reused", "auto-edit", "session 3f2c91ab"]);
  });

  it("shows the quota left in the model's bucket when a gateway reports it", () => {
    const meter = new LiveMeter(() => 0);
    meter.startCall();
    const rateLimit = { limitTokens: 100_000, remainingTokens: 98_765, limitRequests: 60, remainingRequests: 59 };
    meter.finishCall({ ttftMs: 5, decodeTokensPerSecond: 900, prefillTokensPerSecond: null, totalMs: 50, promptTokensReused: 0, draftTokensAccepted: 0, draftTokensRejected: 0, rateLimit });
    expect(statusParts({ ...status, ...meter.figures() })).toContain("quota 98,765 of 100,000 tokens left");
  });

  it("names a local model by its file, so a long path cannot push the live figures off the line", () => {
    const model = `local:/${"x".repeat(200)}/models/tiny.gguf`;
    expect(statusParts({ ...status, model })[0]).toBe("local:tiny.gguf");
    expect(statusParts({ ...status, model: "cerebras/gpt-oss-120b" })[0]).toBe("cerebras/gpt-oss-120b");
  });
});
