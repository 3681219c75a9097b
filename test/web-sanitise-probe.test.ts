/**
 * Attacks on the web UI's sanitiser (src/web/markdown-html.ts: DOMPurify IN_PLACE in a reused inert
 * document), through the built `spark serve`, Debian's Chromium and a scripted upstream: each payload
 * streamed a few characters at a time, so hundreds of sanitiser calls cross the change of inert document.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastAnswer, openPage, send } from "./support/web-page.js";
import type { GatewayProcess } from "./support/gateway-process.js";
import type { RecordedRequest, ScriptedReply } from "./support/scripted-openai-server.js";
import { startWebStack, type WebStack } from "./support/web-stack.js";
import { splitForStreaming } from "./support/web-answers.js";

const STEP_MS = 30_000;

/** Known DOMPurify bypass shapes, clobbering and URL tricks; each would set window.pwned if it ran. */
const PAYLOADS = [
  '<form action="javascript:window.pwned=1"><button formaction="javascript:window.pwned=2">go</button><input type="image" formaction="javascript:window.pwned=3" src="x"></form>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.pwned=4"></style></mglyph></table></mtext></math>',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror="window.pwned=5">',
  '<svg></p><style><a id="</style><img src=1 onerror=window.pwned=6>">',
  '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=window.pwned=7 src=1>"></textarea></mtext></svg></mglyph></mi></math>',
  '<template><img src=x onerror="window.pwned=8"></template><details open ontoggle="window.pwned=9">d</details>',
  '<a href="&#106;avascript:window.pwned=10">e1</a> <a href=" javascript:window.pwned=11">e2</a> <a href="data:text/html,<script>alert(1)</script>">e3</a>',
  '<svg><a xlink:href="javascript:window.pwned=12"><text x=1 y=1>s</text></a><animate onbegin="window.pwned=13" attributeName=x dur=1s /></svg>',
  '<iframe src="javascript:parent.pwned=14"></iframe><object data="javascript:parent.pwned=15"></object><embed src="data:text/html,x"><base href="https://evil.invalid/"><meta http-equiv="refresh" content="0;url=https://evil.invalid"><link rel=stylesheet href="https://evil.invalid/x.css">',
  '<img id="composer-input"><p id="model-select">clobber</p><form id="composer"></form><img name="cookie"><img name="getElementById"><a id="__proto__">p</a>',
  '<input autofocus onfocus="window.pwned=16"><video><source onerror="window.pwned=17"></video><img srcset="x" onerror="window.pwned=18">',
  '<div style="position:fixed;inset:0;background:red">overlay</div><noscript><p title="</noscript><img src=x onerror=window.pwned=19>"></noscript>',
  '<!--<img src=x onerror="window.pwned=20">--> <![CDATA[<img src=x onerror=window.pwned=21>]]> <?xml <img src=x onerror=window.pwned=22>?>',
];
const ANSWER = Array.from({ length: 4 }, () => PAYLOADS.map((payload, i) => `Probe ${i}: ${payload}\n\n`).join("")).join("");

/**
 * One HTML block of 150,000 top-level nodes (600 KB): more than a spread call's arguments can hold in V8,
 * so a renderer that moves the nodes with `append(...childNodes)` throws instead of showing the block.
 */
const WIDE_ANSWER = ["Before.\n\n", `${"<hr>".repeat(150_000)}\n\n`, "After."];

interface Report {
  pwned: unknown;
  tags: string[];
  bad: string[];
  templateHandlers: number;
}

/** What reached the answer: whether anything ran, its elements, its suspect attributes, what its templates hold. */
const REPORT = `(() => {
  const body = [...document.querySelectorAll("article.message.assistant")].at(-1).querySelector(".message-body");
  const all = [...body.querySelectorAll("*")];
  const attrs = all.flatMap((el) => [...el.attributes].map((a) => el.tagName.toLowerCase() + "[" + a.name + "=" + a.value + "]"));
  return {
    pwned: window.pwned,
    tags: [...new Set(all.map((el) => el.tagName.toLowerCase()))].sort(),
    bad: attrs.filter((a) => /\\[(on\\w+|style|formaction|xlink:href|srcdoc|id|name)=|javascript:|data:text/i.test(a)),
    templateHandlers: [...body.querySelectorAll("template")].filter((t) => t.content.querySelector("script, [onerror], [onclick]") !== null).length,
  };
})()`;

let stack: WebStack;
let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const script = (request: RecordedRequest): ScriptedReply =>
    JSON.stringify(request.body).includes("wide block") ? { kind: "text", chunks: WIDE_ANSWER, delayMs: 200 } : { kind: "text", chunks: splitForStreaming(ANSWER, 11), delayMs: 1 };
  stack = await startWebStack(script, { name: "spark-webp" });
  ({ gateway, browser } = stack);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A fresh page that sent `prompt` and got its whole answer; `errors` collects the page's uncaught errors. */
async function answered(prompt: string) {
  const opened = await openPage(browser, gateway.url, { stepMs: STEP_MS });
  await send(opened.page, prompt);
  await expect.poll(() => lastAnswer(opened.page).getAttribute("data-finish"), { timeout: 90_000 }).toBe("stop");
  return opened;
}

describe("hostile markup against the reused inert document", () => {
  it("runs nothing and carries no handler, script URL or form target into the page", async () => {
    const { context, page, errors } = await answered("probe");
    const report = await page.evaluate<Report>(REPORT);
    expect(report.pwned).toBeUndefined();
    // Left by the sanitiser's configuration (not the inert document): ids pass as written, and a style
    // attribute stays in the DOM though the page's CSP (style-src 'self') never applies it.
    expect(report.bad.filter((attr) => !/^\w+\[(id|style)=/.test(attr))).toEqual([]);
    expect(report.tags.filter((t) => ["script", "iframe", "object", "embed", "base", "meta", "link", "style", "noscript"].includes(t))).toEqual([]);
    expect(report.templateHandlers).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});

describe("a block of very many nodes", () => {
  it("is shown whole, not dropped by a spread past V8's argument limit", async () => {
    const { context, page, errors } = await answered("wide block");
    const answer = page.locator("article.message.assistant").last();
    await expect.poll(() => answer.locator(".message-body").textContent(), { timeout: STEP_MS }).toContain("After.");
    expect(await answer.locator(".message-body hr").count()).toBe(150_000);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
