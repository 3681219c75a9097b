/**
 * The web UI renders an answer as it streams: finished text blocks are prepared in idle time between frames
 * (marked and the sanitiser run ahead of the frame that shows them), the block being written is drawn again
 * each frame. Whatever the chunking and the timing, the finished answer must be what a one-shot render of
 * the whole text gives. The built `spark serve` on loopback, Debian's Chromium, a scripted upstream.
 */
import fc from "fast-check";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "./support/gateway-process.js";
import { lastAnswer, openPage as openWebPage, send, type OpenedPage } from "./support/web-page.js";
import type { RecordedRequest, ScriptedReply } from "./support/scripted-openai-server.js";
import { lastUserText, startWebStack, type WebStack } from "./support/web-stack.js";

const STEP_MS = 30_000;
const fence = "```";

/**
 * Markdown whose blocks change meaning as lines arrive (a paragraph that becomes a setext heading or a
 * table, a list that takes a lazy line, a fence opened in pieces, code in a quote and a list) and hostile
 * markup the sanitiser must strip, whichever way it is cut.
 */
const COMPLEX_ANSWER = [
  "Intro with **bold across",
  "lines** and a [ref link][r] and <img src=x onerror=\"window.pwned = 1\"> and `code`.",
  "",
  "Becomes a heading",
  "=================",
  "",
  "| a | b |",
  "| --- | ---: |",
  "| 1 | <b onclick=\"window.pwned = 2\">2</b> |",
  "",
  "- item one",
  "lazy continuation",
  "  1. nested *em*",
  "- [ ] task",
  "",
  "> quoted",
  "> ```ts",
  "> const quoted = 1;",
  "> ```",
  "",
  `~~~python`,
  "print('tilde fence')",
  "~~~",
  "",
  "- a list with code:",
  "",
  "  ```js",
  "  let inList = true;",
  "  ```",
  "",
  "<div>an HTML block <script>window.pwned = 3</script>",
  "<style>body { display: none }</style></div>",
  "",
  `${fence}ts`,
  "export const x: number = 42;",
  fence,
  "",
  "[r]: https://example.invalid/ref",
  "",
  '<a href="javascript:window.pwned=4">last</a> words',
].join("\n");

/** Random cuts of the answer (fixed seed: the same chunkings every run), from a few pieces to many. */
const CHUNKINGS: string[][] = fc
  .sample(fc.uniqueArray(fc.integer({ min: 1, max: COMPLEX_ANSWER.length - 1 }), { minLength: 3, maxLength: 120 }), { seed: 26, numRuns: 6 })
  .map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), COMPLEX_ANSWER.length];
    return points.slice(1).map((end, i) => COMPLEX_ANSWER.slice(points[i], end));
  });

/** Paragraphs that each arrive whole, 150 ms apart: a page with idle time between them. */
const PACED_PARAGRAPHS = Array.from({ length: 12 }, (_, i) => `Paced paragraph ${i + 1} with *emphasis*.\n\n`);

/**
 * Nesting marked cannot read (its lexer recurses once per ">", and overflows the stack), between ordinary
 * blocks, one hostile: streamed in pieces, the page must still end the answer and render what follows.
 */
const DEEP_ANSWER = `Before the nesting.\n\n${">".repeat(10_000)} deep\n\nAfter the nesting <img src=x onerror="window.pwned = 5">.\n\n${fence}js\nconst after = 1;\n${fence}\n`;

let stack: WebStack;
let gateway: GatewayProcess;
let browser: Browser;

const script = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUserText(request);
  if (prompt === "whole") return { kind: "text", chunks: [COMPLEX_ANSWER] };
  if (prompt === "paced") return { kind: "text", chunks: PACED_PARAGRAPHS, delayMs: 150 };
  if (prompt === "deep") return { kind: "text", chunks: DEEP_ANSWER.match(/[\s\S]{1,700}/g) ?? [], delayMs: 2 };
  const chunking = CHUNKINGS[Number(/^chunking (\d+)$/.exec(prompt)?.[1] ?? -1)];
  if (!chunking) throw new Error(`unexpected prompt ${prompt}`);
  return { kind: "text", chunks: chunking, delayMs: 3 };
};

beforeAll(async () => {
  stack = await startWebStack(script, { name: "spark-webstream" });
  ({ gateway, browser } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toBe(0);
});

const openPage = (): Promise<OpenedPage> => openWebPage(browser, gateway.url, { stepMs: STEP_MS });

/**
 * The last answer's blocks as markup, with highlighting taken out (the worker colours code blocks some time
 * after they are final, in any order): text blocks' HTML, code blocks' text.
 */
const RENDERED = `(() => {
  const body = [...document.querySelectorAll("article.message.assistant")].at(-1).querySelector(".message-body");
  return [...body.querySelectorAll(".md-block, .code-block")].map((block) => {
    const copy = block.cloneNode(true);
    for (const code of copy.querySelectorAll("code")) {
      code.replaceChildren(code.textContent);
      code.removeAttribute("class");
    }
    return block.classList.contains("md-block") ? copy.innerHTML : "code:" + copy.querySelector("pre").textContent;
  });
})()`;

async function answer(page: Page, prompt: string): Promise<string[]> {
  const count = await page.locator("article.message.assistant").count();
  await send(page, prompt);
  await expect.poll(() => page.locator("article.message.assistant").count(), { timeout: STEP_MS }).toBe(count + 1);
  await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
  return page.evaluate<string[]>(RENDERED);
}

describe("a streamed answer", () => {
  it("ends as the one-shot render of its text, for random chunkings of complex and hostile markdown", async () => {
    const { context, page, errors } = await openPage();
    const whole = await answer(page, "whole");
    expect(whole.length).toBeGreaterThan(10);
    expect(whole.join("\n")).not.toMatch(/onerror|onclick|<script|<style|javascript:/);
    for (const [i] of CHUNKINGS.entries()) expect({ chunking: i, blocks: await answer(page, `chunking ${i}`) }).toEqual({ chunking: i, blocks: whole });
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it("ends an answer with nesting marked cannot read, shows that block as text and renders what follows it, live and saved", async () => {
    const { context, page, errors } = await openPage();
    // Before the fix the splitter's lexer threw on every frame: the answer never ended (nor was saved).
    const blocks = await answer(page, "deep");
    expect(blocks.map((block) => block.trim().slice(0, 40))).toEqual(["<p>Before the nesting.</p>", '<pre class="unrendered">&gt;&gt;&gt;&gt;', expect.stringMatching(/^<p>After the nesting <img src="x">/), "code:const after = 1;"]);
    expect(await page.locator("article.message.assistant pre.unrendered").textContent()).toBe(`${">".repeat(10_000)} deep`);
    await expect.poll(() => page.locator(".conversation-link", { hasText: "deep" }).count(), { timeout: STEP_MS }).toBe(1);
    await page.click("#new-conversation");
    await page.locator(".conversation-link", { hasText: "deep" }).click();
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    expect(await page.evaluate<string[]>(RENDERED)).toEqual(blocks);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it("has its finished text blocks' markup made in idle time, not in the frames that show them", async () => {
    const { context, page, errors } = await openPage();
    // Counts, by the callback they run in, the answer's markdown parsed into the renderer's inert document
    // (the sanitiser's input): in an animation frame, in an idle period, or in another task.
    await page.evaluate(`(() => {
      const counts = { frame: 0, idle: 0, other: 0 };
      window.__parses = counts;
      let phase = "other";
      const within = (name, callback) => (...args) => { const before = phase; phase = name; try { return callback(...args); } finally { phase = before; } };
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (callback) => raf(within("frame", callback));
      const ric = window.requestIdleCallback.bind(window);
      window.requestIdleCallback = (callback, options) => ric(within("idle", callback), options);
      const setter = Object.getOwnPropertyDescriptor(Element.prototype, "innerHTML").set;
      Object.defineProperty(Element.prototype, "innerHTML", {
        ...Object.getOwnPropertyDescriptor(Element.prototype, "innerHTML"),
        set(value) { if (this.ownerDocument !== document && String(value).includes("Paced paragraph")) counts[phase]++; setter.call(this, value); },
      });
    })()`);
    const blocks = await answer(page, "paced");
    expect(blocks.map((block) => block.trim())).toEqual(PACED_PARAGRAPHS.map((text) => `<p>${text.trim().replace(/\*(.+)\*/, "<em>$1</em>")}</p>`));
    const parses = await page.evaluate<{ frame: number; idle: number; other: number }>("window.__parses");
    // Each paragraph arrives whole with idle time before its frame, and its markup is made then (without
    // preparation, every one is made in a frame). Not always: on a loaded machine an idle period can miss
    // the 16 ms it is given (2-3 of 12 at load average 7 on 2 cores), and the answer's end can come before
    // one (finish() renders at once).
    expect(parses.idle, JSON.stringify(parses)).toBeGreaterThanOrEqual(PACED_PARAGRAPHS.length / 3);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
