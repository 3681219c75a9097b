/**
 * The web UI's streamed rendering against its rendering of the whole answer, in Debian's Chromium through
 * the built `spark serve` and a scripted upstream: generated markdown (test/support/markdown-documents.ts:
 * lists with fences in their items, quotes, HTML blocks, unclosed fences…) streamed a few characters at a
 * time must end up as the same page as the same answer opened again from the saved conversation, which
 * the page renders from its whole text at once (a render test/web-markdown-split.test.ts holds to marked's).
 */
import fc from "fast-check";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "./support/gateway-process.js";
import { createMarked } from "../src/web/markdown-grammar.js";
import { markdownDocument } from "./support/markdown-documents.js";
import type { RecordedRequest, ScriptedReply } from "./support/scripted-openai-server.js";
import { splitForStreaming } from "./support/web-answers.js";
import { lastAnswer, openPage, send } from "./support/web-page.js";
import { lastUserText, startWebStack, type WebStack } from "./support/web-stack.js";

const STEP_MS = 30_000;

/** The two answers the old line splitter broke, then generated ones without live blocks (their frames render on their own time). */
const ANSWERS = [
  "- first\n\n- second\n\n    ```js\n    const x = 1;\n    ```\n\nafter the list",
  "- ```js\n  let a = 1;\n  ```\n- next item\n\nparagraph after",
  ...fc
    .sample(markdownDocument, { seed: 33, numRuns: 40 })
    .filter((text) => !/(```|~~~)\s*(html|mermaid|svg)/i.test(text))
    .slice(0, 4),
];

let stack: WebStack;
let gateway: GatewayProcess;
let browser: Browser;

beforeAll(async () => {
  const script = (request: RecordedRequest): ScriptedReply => {
    const answer = ANSWERS[Number(/^case-(\d+)-/.exec(lastUserText(request))?.[1] ?? 0)] ?? "";
    return { kind: "text", chunks: splitForStreaming(answer, 3), delayMs: 1 };
  };
  stack = await startWebStack(script, { name: "spark-webmd" });
  ({ gateway, browser } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toBe(0);
});

/**
 * The answer's rendering, less what highlighting adds in its own time (each code element as its text, no
 * highlight class or state) and the page's own chrome: a code block's figure as marked's <pre><code>, the
 * run and block wrappers unwrapped, comments (which the sanitiser drops) left out.
 */
const CANONICAL = `(root) => {
  const copy = root.cloneNode(true);
  for (const code of copy.querySelectorAll("code")) {
    code.textContent = code.textContent;
    code.removeAttribute("class");
    code.removeAttribute("data-highlight");
  }
  for (const figure of copy.querySelectorAll("figure.code-block")) {
    const label = figure.querySelector("figcaption").textContent;
    const code = figure.querySelector("code");
    code.dataset.lang = label === "code" ? "" : label;
    figure.replaceWith(code.parentElement);
  }
  for (const wrapper of copy.querySelectorAll(".block-run, .md-block")) wrapper.replaceWith(...wrapper.childNodes);
  const walker = document.createTreeWalker(copy, NodeFilter.SHOW_COMMENT);
  const comments = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) comments.push(node);
  for (const comment of comments) comment.remove();
  return copy.innerHTML;
}`;

async function rendered(page: Page): Promise<string> {
  return page.evaluate<string>(`(${CANONICAL})([...document.querySelectorAll("article.message.assistant .message-body")].at(-1))`);
}

/** marked's rendering of the whole answer, parsed and put in the same canonical form by the page. */
async function markedRendering(page: Page, answer: string): Promise<string> {
  const html = createMarked().parse(answer, { async: false });
  const parsed = `Object.assign(document.createElement("template"), { innerHTML: ${JSON.stringify(html)} }).content`;
  return page.evaluate<string>(`(() => { const holder = document.createElement("div"); holder.append(${parsed}); return (${CANONICAL})(holder); })()`);
}

describe("streamed markdown in the page", () => {
  it("ends as the page renders the whole answer, for the answers the old splitter broke and generated ones", async () => {
    const { context, page, errors } = await openPage(browser, gateway.url, { stepMs: STEP_MS });
    for (const [i, answer] of ANSWERS.entries()) {
      const prompt = `case-${i}-markdown`;
      await send(page, prompt);
      await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe("stop");
      const streamed = await rendered(page);
      const reference = await markedRendering(page, answer);
      expect([answer, streamed]).toEqual([answer, reference]);
      // Opened again from the saved conversation: rendered from the whole text in one go.
      await expect.poll(() => page.locator(".conversation-link", { hasText: prompt }).count(), { timeout: STEP_MS }).toBe(1);
      await page.click("#new-conversation");
      await page.locator(".conversation-link", { hasText: prompt }).click();
      await expect.poll(() => page.locator("article.message.user").textContent(), { timeout: STEP_MS }).toBe(prompt);
      await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).not.toBeNull();
      expect([answer, await rendered(page)]).toEqual([answer, streamed]);
      await page.click("#new-conversation");
    }
    expect(errors).toEqual([]);
    await context.close();
  });
});
