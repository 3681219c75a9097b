/**
 * How the web UI lays out and loads a long answer (the built `spark serve` on loopback, Debian's Chromium
 * through playwright-core, a scripted upstream): text and code blocks sit in runs the browser can skip
 * while off screen, a live block stands on its own, and a live block's frames go straight to their shell
 * without the page ever building a script context for their initial empty document.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastAnswer, openPage as openWebPage, send, type OpenedPage } from "./support/web-page.js";
import type { GatewayProcess } from "./support/gateway-process.js";
import { type RecordedRequest, type ScriptedReply } from "./support/scripted-openai-server.js";
import { lastUserText, startWebStack, type WebStack } from "./support/web-stack.js";
import { BLOCKS_ANSWER, splitForStreaming } from "./support/web-answers.js";

const STEP_MS = 20_000;
const fence = "```";
const paragraphs = (from: number, count: number) => Array.from({ length: count }, (_, i) => `Paragraph ${from + i}.\n\n`).join("");
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#3a7"/></svg>';

/**
 * 45 paragraphs, an SVG whose opening fence line arrives in two pieces (the page first sees "```sv" as a
 * paragraph, then a fence), then 6 more paragraphs. The pause between the pieces lets a frame draw the first.
 */
const LONG_ANSWER = [`${paragraphs(1, 45)}${fence}sv`, `g\n${SVG}\n${fence}\n\n${paragraphs(46, 6)}`];

/** 600 finished paragraphs in one delta (a page that fell behind meets them at once), then, a second later, the end. */
const BURST_BLOCKS = 600;
const BURST_ANSWER = [paragraphs(1, BURST_BLOCKS), "The end.\n"];

/** Markup a hostile model might write in its prose; the page shows it sanitised, as nodes, never run. */
const HOSTILE_ANSWER = [
  'Look: <img src=x onerror="window.pwned = 1"> and <script>window.pwned = 2</script>',
  "",
  '<a href="javascript:window.pwned=3">click</a> or [a link](https://example.invalid/docs) or <svg><foreignObject><iframe srcdoc="<script>parent.pwned=4</script>"></iframe></foreignObject></svg>',
  "",
  // Markup that tries to close the sanitiser's holder, and a classic mutation-XSS shape (safe only without a re-parse).
  'Out: </div></p></body></html><img src=x onerror="window.pwned = 5"> <noscript><p title="</noscript><img src=x onerror=window.pwned=6>"></noscript>',
  "",
  "<style>body { display: none }</style>The end. <style>p { display: none }</style>",
  "",
].join("\n");

/**
 * 40 hostile blocks streamed a few characters at a time: hundreds of sanitiser calls, well past the 32
 * that share one inert document, so every document change is crossed while markup streams in.
 */
const HOSTILE_BLOCKS = Array.from(
  { length: 40 },
  (_, i) => `Block ${i}: <img src=x onerror="window.pwned = ${i}"> <a href="javascript:window.pwned=${i}">link</a> <b onclick="window.pwned = ${i}">bold</b>\n\n`,
).join("");

/** Two apps: the first leaves what state a frame could carry (its window's name, a global, a timer); the second reports what it finds. */
const TWO_APPS_ANSWER = [
  "First:",
  "",
  `${fence}html`,
  '<p id="first">first app</p>',
  '<script>window.name = "first-app"; window.leak = "first"; setInterval(function () { parent.postMessage({ type: "spark-frame", kind: "error", message: "from the first app" }, "*"); }, 50);</script>',
  fence,
  "",
  "Second:",
  "",
  `${fence}html`,
  '<p id="second">pending</p>',
  '<script>document.getElementById("second").textContent = JSON.stringify({ name: window.name, leak: typeof window.leak });</script>',
  fence,
  "",
  "Done.",
].join("\n");

let stack: WebStack;
let gateway: GatewayProcess;
let browser: Browser;

const script = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUserText(request);
  if (prompt === "burst") return { kind: "text", chunks: BURST_ANSWER, delayMs: 1_000 };
  if (prompt === "long") return { kind: "text", chunks: LONG_ANSWER, delayMs: 300 };
  if (prompt === "two apps") return { kind: "text", chunks: splitForStreaming(TWO_APPS_ANSWER, 40), delayMs: 5 };
  if (prompt === "hostile blocks") return { kind: "text", chunks: splitForStreaming(HOSTILE_BLOCKS, 9), delayMs: 2 };
  if (prompt === "hostile") return { kind: "text", chunks: splitForStreaming(HOSTILE_ANSWER, 7), delayMs: 5 };
  return { kind: "text", chunks: splitForStreaming(BLOCKS_ANSWER, 40), delayMs: 5 };
};

beforeAll(async () => {
  stack = await startWebStack(script, { name: "spark-webr" });
  ({ gateway, browser } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toBe(0);
});

const openPage = (): Promise<OpenedPage> => openWebPage(browser, gateway.url, { stepMs: STEP_MS });


interface Layout {
  runs: { size: number; visibility: string; kinds: string[] }[];
  blockVisibility: string[];
  liveParents: string[];
  texts: string[];
}

/** The answer's layout as the page has it: its runs, what is in them, and where its live blocks sit. */
const LAYOUT = `(() => {
  const body = [...document.querySelectorAll("article.message.assistant")].at(-1).querySelector(".message-body");
  const runs = [...body.querySelectorAll(".block-run")].map((run) => ({
    size: run.children.length,
    visibility: getComputedStyle(run).contentVisibility,
    kinds: [...run.children].map((child) => child.className),
  }));
  const blockVisibility = [...body.querySelectorAll(".md-block, .code-block")].map((block) => getComputedStyle(block).contentVisibility);
  const liveParents = [...body.querySelectorAll(".interactive-block")].map((block) => block.parentElement.className);
  const texts = [...body.querySelectorAll(".md-block")].map((block) => block.textContent.trim());
  return { runs, blockVisibility, liveParents, texts };
})()`;

describe("a long answer's layout", () => {
  it("puts text blocks in runs of at most 20 that skip rendering off screen, and a live block on its own", async () => {
    const { context, page, errors } = await openPage();
    await send(page, "long");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    await expect.poll(() => lastAnswer(page).locator(".interactive-block").getAttribute("data-state"), { timeout: STEP_MS }).toBe("rendered");
    const layout = await page.evaluate<Layout>(LAYOUT);
    // 45 paragraphs: 20 + 20 + 5 (the "```sv" paragraph drawn for a moment left no trace), the SVG, then 6.
    expect(layout.runs.map((run) => run.size)).toEqual([20, 20, 5, 6]);
    expect(layout.runs.every((run) => run.visibility === "auto" && run.kinds.every((kind) => kind === "md-block"))).toBe(true);
    expect(new Set(layout.blockVisibility)).toEqual(new Set(["visible"]));
    expect(layout.liveParents).toEqual(["message-body"]);
    expect(layout.texts).toEqual(Array.from({ length: 51 }, (_, i) => `Paragraph ${i + 1}.`));
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("a burst of finished blocks", () => {
  it("is rendered over several animation frames, in order and whole, not in one long task", async () => {
    const { context, page, errors } = await openPage();
    // The answer's text blocks counted at every animation frame (bounded: a minute at 60 Hz).
    await page.evaluate(`(() => {
      window.blockCounts = [];
      const sample = () => {
        window.blockCounts.push(document.querySelectorAll("article.message.assistant .md-block").length);
        if (window.blockCounts.length < 3600) requestAnimationFrame(sample);
      };
      requestAnimationFrame(sample);
    })()`);
    await send(page, "burst");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    const texts = await lastAnswer(page).locator(".md-block").allTextContents();
    expect(texts.map((text) => text.trim())).toEqual([...Array.from({ length: BURST_BLOCKS }, (_, i) => `Paragraph ${i + 1}.`), "The end."]);
    // Some frame showed part of the burst: it was not rendered in one go.
    const counts = await page.evaluate<number[]>("window.blockCounts");
    expect(counts.some((count) => count > 0 && count < BURST_BLOCKS)).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("a hostile answer's markup", () => {
  it("reaches the page sanitised: no script, handler, javascript: link, frame or style; links open apart", async () => {
    const { context, page, errors } = await openPage();
    await send(page, "hostile");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    const body = lastAnswer(page).locator(".message-body");
    await expect.poll(() => body.textContent()).toContain("The end.");
    expect(await page.evaluate("window.pwned === undefined")).toBe(true);
    expect(await body.locator("script, iframe, style, foreignObject, [onerror]").count()).toBe(0);
    expect(await body.locator('a[href^="javascript"]').count()).toBe(0);
    const link = body.locator("a", { hasText: "a link" });
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await page.evaluate("getComputedStyle(document.body).display")).not.toBe("none");
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("many hostile blocks", () => {
  it("each reaches the page sanitised and whole, across the sanitiser's change of inert document", async () => {
    const { context, page, errors } = await openPage();
    await send(page, "hostile blocks");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    const body = lastAnswer(page).locator(".message-body");
    const texts = await body.locator(".md-block").allTextContents();
    expect(texts.map((text) => text.replace(/\s+/g, " ").trim())).toEqual(Array.from({ length: 40 }, (_, i) => `Block ${i}: link bold`));
    expect(await page.evaluate("window.pwned === undefined")).toBe(true);
    expect(await body.locator("[onerror], [onclick], a[href^='javascript']").count()).toBe(0);
    expect(await body.locator("img").count()).toBe(40);
    expect(errors).toEqual([]);
    await context.close();
  });
});

interface ContextCreated {
  context: { origin: string; auxData?: { isDefault?: boolean; frameId?: string } };
}

describe("live block frames", () => {
  it("load their shell straight away: the page never builds a script context for a frame's empty first document", async () => {
    const { context, page, errors } = await openPage();
    // Contexts made in the page's own process; the frames' shells run in their own (an opaque origin).
    const cdp = await context.newCDPSession(page);
    const created: ContextCreated[] = [];
    // A context made before its frame navigated to its shell is the empty first document's. (Chromium may put
    // a sandboxed shell in the page's process when short of processes, as on a loaded CI machine: the shell's
    // own context, made after the navigation, is not the defect.)
    const navigated = new Set<string>();
    cdp.on("Page.frameNavigated", (event: { frame: { id: string } }) => navigated.add(event.frame.id));
    cdp.on("Runtime.executionContextCreated", (event: ContextCreated) => {
      if (!navigated.has(event.context.auxData?.frameId ?? "")) created.push(event);
    });
    await cdp.send("Page.enable");
    await cdp.send("Runtime.enable");
    const mainFrame = ((await cdp.send("Page.getFrameTree")) as { frameTree: { frame: { id: string } } }).frameTree.frame.id;
    created.length = 0;
    await send(page, "blocks");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    const blocks = lastAnswer(page).locator(".interactive-block");
    await expect.poll(() => blocks.count()).toBe(3);
    for (const block of await blocks.all()) await expect.poll(() => block.getAttribute("data-state"), { timeout: STEP_MS }).toBe("rendered");
    const inPageFrames = created.filter((event) => event.context.auxData?.isDefault === true && event.context.auxData.frameId !== mainFrame);
    expect(inPageFrames, JSON.stringify(inPageFrames)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("live blocks side by side", () => {
  it("never share a frame: nothing one block's app leaves (its window's name, a global, its messages) reaches the next", async () => {
    const { context, page, errors } = await openPage();
    await send(page, "two apps");
    await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
    const blocks = lastAnswer(page).locator(".interactive-block");
    await expect.poll(() => blocks.count()).toBe(2);
    // The first app reports errors to the page on a timer: its own block shows them, the second never does.
    await expect.poll(() => blocks.nth(0).getAttribute("data-state"), { timeout: STEP_MS }).toBe("error");
    await expect.poll(() => blocks.nth(1).getAttribute("data-state"), { timeout: STEP_MS }).toBe("rendered");
    const second = page.frameLocator(".interactive-block:nth-of-type(2) iframe.sandbox-frame:not(.candidate)").first();
    await expect.poll(() => second.locator("#second").textContent(), { timeout: STEP_MS }).toContain("{");
    expect(JSON.parse((await second.locator("#second").textContent()) ?? "{}")).toEqual({ name: "", leak: "undefined" });
    const shown = "[...document.querySelectorAll('article.message.assistant:last-of-type .interactive-block iframe.sandbox-frame:not(.candidate)')]";
    expect(await page.evaluate(`(() => { const frames = ${shown}; return frames.length === 2 && frames[0] !== frames[1]; })()`)).toBe(true);
    expect(await blocks.nth(1).getAttribute("data-state")).toBe("rendered");
    expect(errors).toEqual([]);
    await context.close();
  });
});
