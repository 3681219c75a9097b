/**
 * The web UI's conversations and actions end to end (the built `spark serve` on loopback, Debian's Chromium
 * through playwright-core, a scripted upstream): a link clicked while an answer streams, the save when the
 * user switches conversation mid-answer, Copy and Download, paging, search and rename with hostile titles,
 * the theme switch redrawing live blocks, and both families' quota side by side.
 */
import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastAnswer, openPage as openWebPage, send, type OpenedPage } from "./support/web-page.js";
import { screenshot } from "./support/browser.js";
import type { GatewayProcess } from "./support/gateway-process.js";
import { type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { lastUserText, startWebStack, type WebStack } from "./support/web-stack.js";
import { BLOCKS_ANSWER, splitForStreaming } from "./support/web-answers.js";

const STEP_MS = 10_000;
const SVG_SOURCE = /```svg\n([\s\S]*?)\n```/.exec(BLOCKS_ANSWER)?.[1] ?? "";

let stack: WebStack;
let upstream: ScriptedServer;
let gateway: GatewayProcess;
let browser: Browser;

const script = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUserText(request);
  if (prompt === "blocks") return { kind: "text", chunks: splitForStreaming(BLOCKS_ANSWER, 40), delayMs: 5 };
  if (prompt === "link") return { kind: "hang-after", chunks: ["See ", `[the docs](${gateway.url}/favicon.svg) `, "while I go on. "] };
  if (prompt.startsWith("hang")) return { kind: "hang-after", chunks: ["Partial ", "answer ", "so far. "] };
  return { kind: "text", chunks: ["Hello ", "from ", "**upstream**."] };
};

beforeAll(async () => {
  stack = await startWebStack(script, {
    name: "spark-webc",
    projectConfig: (url) => ['[models."remote-standard"]', `base_url = "${url}"`, 'model = "upstream-standard"'],
    homeConfig: ["[gateway.limits.spark]", "requests_per_minute = 900", "tokens_per_minute = 400000", "[gateway.limits.standard]", "requests_per_minute = 800"],
  });
  ({ upstream, gateway, browser } = stack);
});

afterAll(async () => {
  expect(await stack?.stop()).toBe(0);
});

const openPage = (context: Parameters<Browser["newContext"]>[0] = {}): Promise<OpenedPage> => openWebPage(browser, gateway.url, { stepMs: STEP_MS, context });

const finishOf = (page: Page) => lastAnswer(page).getAttribute("data-finish");

interface Listed {
  data: { id: string; title: string; messageCount: number }[];
  next: string | null;
}

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${gateway.url}/v1/spark/conversations${path}`, { method, ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }) });
}

async function findSaved(title: string): Promise<{ id: string; messages: { role: string; content: string; interrupted: boolean }[] }> {
  const listed = (await (await api("GET", `?q=${encodeURIComponent(title)}`)).json()) as Listed;
  const found = listed.data.find((conversation) => conversation.title === title);
  if (!found) throw new Error(`no saved conversation "${title}"`);
  return (await (await api("GET", `/${found.id}`)).json()) as { id: string; messages: { role: string; content: string; interrupted: boolean }[] };
}

describe("nothing is lost while an answer streams", () => {
  it("a link in the answer opens in a new tab without opener or referrer; the streaming answer stays", async () => {
    const { context, page } = await openPage();
    await send(page, "link");
    const link = lastAnswer(page).locator("a", { hasText: "the docs" });
    await expect.poll(() => link.count()).toBe(1);
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    const opened = context.waitForEvent("page");
    await link.click();
    const tab = await opened;
    expect(await tab.evaluate("window.opener")).toBeNull();
    expect(page.url()).toBe(`${gateway.url}/`);
    expect(await finishOf(page)).toBe("streaming");
    await page.click("#stop-button");
    await expect.poll(() => finishOf(page)).toBe("abort");
    expect((await findSaved("link")).messages.at(-1)).toEqual({ role: "assistant", content: "See [the docs](" + `${gateway.url}/favicon.svg) while I go on. `, interrupted: true });
    await context.close();
  });

  it("switching conversation mid-answer saves the partial answer in the conversation it belongs to, not the one opened", async () => {
    const { context, page } = await openPage();
    await send(page, "first one");
    await expect.poll(() => finishOf(page)).toBe("stop");
    await expect.poll(() => page.locator(".conversation-link", { hasText: "first one" }).count()).toBe(1);
    await page.click("#new-conversation");
    const disconnect = upstream.waitForClientDisconnect(STEP_MS);
    await send(page, "hang while switching");
    await expect.poll(() => lastAnswer(page).textContent()).toContain("so far.");
    await page.locator(".conversation-link", { hasText: "first one" }).click();
    await disconnect;
    // The conversation opened loads after the click: until then the one left (also two messages) is shown.
    await expect.poll(() => page.locator("article.message.user").textContent()).toBe("first one");
    await expect.poll(() => page.locator("article.message").count()).toBe(2);
    await expect.poll(async () => (await findSaved("hang while switching")).messages).toEqual([
      { role: "user", content: "hang while switching", interrupted: false },
      { role: "assistant", content: "Partial answer so far. ", interrupted: true },
    ]);
    expect((await findSaved("first one")).messages.map((message) => message.content)).toEqual(["first one", "Hello from **upstream**."]);
    await page.locator(".conversation-link", { hasText: "hang while switching" }).click();
    await expect.poll(() => finishOf(page)).toBe("abort");
    expect(await lastAnswer(page).textContent()).toContain("Partial answer so far.");
    await context.close();
  });
});

describe("block actions and the theme", () => {
  it("Copy puts the block's source on the clipboard and Download saves it under the block's file name", async () => {
    const { context, page, errors } = await openPage({ permissions: ["clipboard-read", "clipboard-write"] });
    await send(page, "blocks");
    await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
    const block = page.locator('.interactive-block[data-kind="svg"]');
    const copy = block.getByRole("button", { name: "Copy the SVG image's source" });
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe("Copied");
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(SVG_SOURCE);
    await page.locator(".code-block").getByRole("button", { name: "Copy the code" }).click();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe("export const answer: number = 42;");
    const download = page.waitForEvent("download");
    await block.getByRole("button", { name: "Download the SVG image as image.svg" }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe("image.svg");
    expect(readFileSync(await saved.path(), "utf8")).toBe(SVG_SOURCE);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("redraws blocks drawn before a theme switch in the new theme", async () => {
    const { context, page } = await openPage({ colorScheme: "light" });
    await send(page, "blocks");
    await expect.poll(() => finishOf(page), { timeout: STEP_MS }).toBe("stop");
    const background = (kind: string) =>
      page.frameLocator(`.interactive-block[data-kind="${kind}"] iframe.sandbox-frame:not(.candidate)`).first().locator("body").evaluate((body) => (globalThis as unknown as { getComputedStyle(element: unknown): { backgroundColor: string } }).getComputedStyle(body).backgroundColor);
    for (const kind of ["svg", "html", "mermaid"]) await expect.poll(() => background(kind), { timeout: STEP_MS }).toBe("rgb(255, 255, 255)");
    await page.click("#theme-toggle");
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    for (const kind of ["svg", "html", "mermaid"]) await expect.poll(() => background(kind), { timeout: STEP_MS }).toBe("rgb(21, 23, 28)");
    await screenshot(page, "11-theme-redrawn");
    await context.close();
  });

  it("shows the fast and the standard bucket side by side, the chosen model's marked", async () => {
    const { context, page } = await openPage();
    const families = page.locator("#stat-quota .quota-family");
    await expect.poll(() => families.count()).toBe(2);
    expect(await page.locator('#stat-quota .quota-family[data-family="spark"]').textContent()).toMatch(/^spark: \d+\/900 requests\/min · \d+k\/400k tokens\/min$/);
    expect(await page.locator('#stat-quota .quota-family[data-family="standard"]').textContent()).toMatch(/^standard: \d+\/800 requests\/min$/);
    await expect.poll(() => page.locator('#stat-quota [aria-current="true"]').getAttribute("data-family")).toBe("spark");
    await page.click("#model-toggle");
    await expect.poll(() => page.locator('#stat-quota [aria-current="true"]').getAttribute("data-family")).toBe("standard");
    await context.close();
  });
});

describe("many conversations", () => {
  const hostile = `<img src=x onerror="window.pwned=1">'; DROP TABLE web_conversations; -- 100%_`;

  it("pages past the first 50, searches titles and text, and renames, with hostile titles shown as text", async () => {
    for (let index = 0; index < 55; index++) expect((await api("POST", "", { title: `bulk ${String(index).padStart(2, "0")}`, model: "remote-spark" })).status).toBe(201);
    const made = (await (await api("POST", "", { title: hostile, model: "remote-spark" })).json()) as { id: string };
    expect((await api("POST", `/${made.id}/messages`, { role: "user", content: "the word zebra is in here" })).status).toBe(204);
    // The API: hostile searches and cursors are answered, not executed.
    for (const q of ["%", "100%_", "'; DROP TABLE web_conversations; --", 'onerror="window.pwned']) {
      const listed = (await (await api("GET", `?q=${encodeURIComponent(q)}`)).json()) as Listed;
      expect(listed.data.map((conversation) => conversation.title)).toEqual([hostile]);
    }
    expect((await api("GET", "?after=not-a-cursor")).status).toBe(400);
    expect((await api("GET", `?q=${"x".repeat(201)}`)).status).toBe(400);
    expect((await api("GET", "?limit=1000")).status).toBe(400);
    expect((await api("PATCH", `/${made.id}`, { title: "" })).status).toBe(400);
    expect((await api("PATCH", `/${made.id}`, { title: "x".repeat(201) })).status).toBe(400);
    expect((await api("PATCH", "/nope", { title: "x" })).status).toBe(404);

    const { context, page, errors } = await openPage();
    const links = page.locator(".conversation-link");
    await expect.poll(() => links.count()).toBe(50);
    expect(await links.first().textContent()).toBe(hostile);
    await page.locator("#conversation-more").scrollIntoViewIfNeeded();
    await expect.poll(() => links.count()).toBeGreaterThanOrEqual(56);
    expect(await page.locator("#conversation-more").isHidden()).toBe(true);
    expect(await page.locator("#sidebar img").count()).toBe(0);

    await page.fill("#conversation-search", "zebra");
    await expect.poll(() => links.allTextContents()).toEqual([hostile]);
    await page.fill("#conversation-search", "bulk 0");
    await expect.poll(() => links.count()).toBe(10);

    page.once("dialog", (dialog) => void dialog.accept(`Renamed <b>bold</b> ${"y".repeat(300)}`));
    await page.getByRole("button", { name: 'Rename the conversation "bulk 03"' }).click();
    const renamed = `Renamed <b>bold</b> ${"y".repeat(200 - 20)}`;
    await page.fill("#conversation-search", "Renamed <b>");
    await expect.poll(() => links.allTextContents()).toEqual([renamed]);
    expect(await page.locator("#sidebar b").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    await screenshot(page, "12-conversation-search");
    expect(errors).toEqual([]);
    await context.close();
  });
});
