/**
 * Code blocks highlighted in the page's worker (src/web/highlight-worker.ts), through the built `spark
 * serve`, Debian's Chromium and a scripted upstream: the worker's markup equals what the page makes on its
 * main thread when the worker cannot load, the worker runs under its own CSP that forbids it any request,
 * a hostile code block reaches the page as text in spans and nothing else, and markup from the worker
 * that is not classed spans never reaches the page.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKER_CSP } from "../src/gateway/web-static.js";
import type { GatewayProcess } from "./support/gateway-process.js";
import type { RecordedRequest, ScriptedReply } from "./support/scripted-openai-server.js";
import { startWebStack, type WebStack } from "./support/web-stack.js";
import { splitForStreaming } from "./support/web-answers.js";
import { lastAnswer, openPage, send, type OpenedPage } from "./support/web-page.js";

const STEP_MS = 30_000;
const fence = "```";

/** Markup that would run, load or take clicks if it ever reached the page as markup. */
const HOSTILE_CODE = [
  '</span></code></pre><img src=x onerror="window.pwned = 1"><script>window.pwned = 2</script>',
  '<span class="hljs-keyword" onclick="window.pwned = 3">click</span><a href="javascript:window.pwned = 4">a</a>',
  "<!-- --><![CDATA[ ]]><style>body { display: none }</style>&lt;&amp;&#x3c;",
].join("\n");

const BLOCKS: { lang: string; code: string }[] = [
  { lang: "ts", code: 'export function greet(name: string): string {\n  return `hello ${name}`; // a "quote" & <tag>\n}' },
  { lang: "python", code: "def f(x):\n    return [i ** 2 for i in range(x) if i % 2]  # 'odd' squares" },
  { lang: "bash", code: 'for f in *.ts; do echo "$f" | wc -c; done > /dev/null 2>&1' },
  { lang: "json", code: '{ "a": [1, 2.5, true, null], "b": "<\\u003c>" }' },
  { lang: "rust", code: "fn main() { let v: Vec<u8> = vec![1, 2]; println!(\"{:?}\", v); }" },
  { lang: "unknownlang", code: "plain <text> & 'quotes'" },
  { lang: "xml", code: HOSTILE_CODE },
  { lang: "js", code: HOSTILE_CODE },
];
const ANSWER = `Code:\n\n${BLOCKS.map(({ lang, code }) => `${fence}${lang}\n${code}\n${fence}\n\n`).join("")}Done.`;

/** Code in a quote and in a list item (rendered by marked inside a markdown block), then a top-level block that hangs a worker, then one after it. */
const NESTED_AND_HANGING = [
  "Quoted:",
  "",
  `> ${fence}ts`,
  "> export const quoted = 1;",
  `> ${fence}`,
  "",
  "- an item",
  "  - a nested item",
  `    ${fence}python`,
  "    def listed(): pass",
  `    ${fence}`,
  "",
  `${fence}js`,
  "HANG here",
  `${fence}`,
  "",
  `${fence}js`,
  "const after = 2;",
  `${fence}`,
  "",
  "Done.",
].join("\n");

let stack: WebStack;
let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const script = (request: RecordedRequest): ScriptedReply => ({
    kind: "text",
    chunks: splitForStreaming(JSON.stringify(request.body).includes("nested please") ? NESTED_AND_HANGING : ANSWER, 13),
    delayMs: 2,
  });
  stack = await startWebStack(script, { name: "spark-webhl" });
  ({ gateway, browser } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toBe(0);
});

/**
 * A worker that answers with markup that is not highlight.js's (what a subverted highlighter could send),
 * except for the js blocks, which it answers properly.
 */
const ROGUE_WORKER = `addEventListener("message", (event) => {
  const { id, code, lang } = event.data;
  const escaped = code.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const html = lang === "js" ? '<span class="hljs-comment">' + escaped + "</span>" : '<img src=x onerror="window.pwned = 1"><a href="javascript:window.pwned = 2">a</a><span onclick="window.pwned = 3">s</span>';
  postMessage({ id, html });
});`;

/** A worker that never answers a block containing HANG (as highlight.js on a quadratic input) and wraps every other one in one comment span. */
const HANGING_WORKER = `addEventListener("message", (event) => {
  const { id, code } = event.data;
  if (code.includes("HANG")) for (;;) {}
  const escaped = code.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  postMessage({ id, html: '<span class="hljs-comment">' + escaped + "</span>" });
});`;

type WorkerScript = "real" | "blocked" | "rogue" | "hanging";

/** Opens the page (its worker's script real, refused or replaced), streams the answer and waits for it to finish. */
async function openAnswer(worker: WorkerScript, prompt = "code please"): Promise<OpenedPage> {
  const opened = await openPage(browser, gateway.url, {
    stepMs: STEP_MS,
    beforeLoad: async (page) => {
      if (worker === "blocked") await page.route("**/highlight-worker-*.js", (route) => route.abort());
      if (worker === "rogue") await page.route("**/highlight-worker-*.js", (route) => route.fulfill({ contentType: "text/javascript", body: ROGUE_WORKER }));
      if (worker === "hanging") await page.route("**/highlight-worker-*.js", (route) => route.fulfill({ contentType: "text/javascript", body: HANGING_WORKER }));
    },
  });
  await send(opened.page, prompt);
  await expect.poll(() => lastAnswer(opened.page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
  return opened;
}

/** As openAnswer, then waits for every block's highlighting. */
async function answerWithCode(worker: WorkerScript): Promise<OpenedPage> {
  const opened = await openAnswer(worker);
  await expect.poll(() => opened.page.locator("article.message.assistant .code-block code.hljs").count(), { timeout: STEP_MS }).toBe(BLOCKS.length);
  return opened;
}

/** Each code block's markup as the page shows it. */
const SHOWN = `[...document.querySelectorAll("article.message.assistant .code-block code")].map((code) => code.innerHTML)`;

describe("code highlighting in a worker", () => {
  it("runs in the page's worker and gives the main thread's markup (a page whose worker cannot load), a hostile block's as text in spans only", async () => {
    const fallback = await answerWithCode("blocked");
    expect(fallback.page.workers().some((worker) => worker.url().includes("/assets/highlight-worker-"))).toBe(false);
    const onMainThread = await fallback.page.evaluate<string[]>(SHOWN);
    await fallback.context.close();
    const { context, page, errors } = await answerWithCode("real");
    const worker = page.workers().find((started) => started.url().includes("/assets/highlight-worker-"));
    expect(worker).toBeDefined();
    // The worker runs under its script's own CSP (default-src 'none'): no fetch, not even of its origin.
    const script = await fetch(worker?.url() ?? "");
    expect([script.headers.get("content-security-policy"), script.headers.get("x-content-type-options")]).toEqual([WORKER_CSP, "nosniff"]);
    expect(await worker?.evaluate(() => fetch("/").then(() => "fetched", () => "refused"))).toBe("refused");
    const inWorker = await page.evaluate<string[]>(SHOWN);
    expect(inWorker).toEqual(onMainThread);
    // Highlighted for real: the known languages have highlight.js's spans, the unknown one is only escaped.
    expect(inWorker[0]).toContain('<span class="hljs-keyword">export</span>');
    expect(inWorker[5]).toBe("plain &lt;text&gt; &amp; 'quotes'");
    const codes = page.locator("article.message.assistant .code-block code");
    for (const [i, { code }] of BLOCKS.entries()) expect(await codes.nth(i).textContent()).toBe(code);
    // Only spans with a class inside the highlighted code; nothing ran, nothing hid the page.
    const foreign = await page.evaluate(`[...document.querySelectorAll(".code-block code *")].filter((element) => element.localName !== "span" || [...element.attributes].some((attribute) => attribute.name !== "class")).length`);
    expect(foreign).toBe(0);
    expect(await page.locator("article.message.assistant img, article.message.assistant script, article.message.assistant style").count()).toBe(0);
    expect(await page.evaluate("window.pwned === undefined")).toBe(true);
    expect(await page.evaluate("getComputedStyle(document.body).display")).not.toBe("none");
    expect([...errors, ...fallback.errors]).toEqual([]);
    await context.close();
  });

  it("admits nothing but classed spans from the worker: other markup leaves the block as plain text", async () => {
    const { context, page, errors } = await openAnswer("rogue");
    const codes = page.locator("article.message.assistant .code-block code");
    // Each block's own outcome, whatever order the page shows the replies in (idle time can reorder them):
    // the js block highlighted, every other one refused and left as its text, with no element at all.
    const outcome = async (i: number) => ((await codes.nth(i).getAttribute("class")) === "hljs" ? "highlighted" : ((await codes.nth(i).getAttribute("data-highlight")) ?? "pending"));
    for (const [i, { lang, code }] of BLOCKS.entries()) {
      await expect.poll(() => outcome(i), { timeout: STEP_MS }).toBe(lang === "js" ? "highlighted" : "refused");
      expect(await codes.nth(i).textContent()).toBe(code);
      if (lang !== "js") expect(await codes.nth(i).locator("*").count()).toBe(0);
    }
    expect(await page.locator("article.message.assistant code.hljs").count()).toBe(1);
    expect(await page.evaluate("window.pwned === undefined")).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("highlights code in quotes and lists in the worker too, and leaves a block that hangs the worker as plain text while the blocks after it are highlighted", async () => {
    const { context, page, errors } = await openAnswer("hanging", "nested please");
    const shown = (selector: string) => page.evaluate<string[]>(`[...document.querySelectorAll("article.message.assistant ${selector}")].map((code) => code.innerHTML)`);
    // Nested code came back from the worker (its one comment span), not from a highlighter on the page's thread.
    await expect.poll(() => shown(".md-block pre code.hljs"), { timeout: STEP_MS }).toEqual(['<span class="hljs-comment">export const quoted = 1;</span>', '<span class="hljs-comment">def listed(): pass</span>']);
    // The block after the hanging one is highlighted by a fresh worker once the stall limit passed.
    const blocks = page.locator("article.message.assistant .code-block code");
    await expect.poll(() => blocks.nth(1).getAttribute("class"), { timeout: STEP_MS }).toBe("hljs");
    expect(await blocks.nth(1).innerHTML()).toBe('<span class="hljs-comment">const after = 2;</span>');
    // The hanging block stays plain text: neither highlighted on the page's thread nor lost.
    expect(await blocks.nth(0).getAttribute("class")).toBeNull();
    expect(await blocks.nth(0).innerHTML()).toBe("HANG here");
    expect(errors).toEqual([]);
    await context.close();
  });
});
