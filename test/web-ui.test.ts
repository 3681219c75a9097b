/**
 * The web UI end to end: the built `spark serve` on loopback, Debian's Chromium through playwright-core,
 * a scripted upstream that streams a Mermaid diagram, an SVG and an HTML app, and the local tiny GGUF.
 * Screenshots of each state go to test-output/web/.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lastAnswer, openPage as openWebPage, send, type OpenedPage } from "./support/web-page.js";
import { launchChromium, screenshot } from "./support/browser.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";
import { lastUserText } from "./support/web-stack.js";
import { ensureTestModel } from "./support/tiny-gguf.js";
import { BLOCKS_ANSWER, BREAKING_DIAGRAM_CHUNKS, navigatingAnswer, probeAnswer, splitForStreaming } from "./support/web-answers.js";

/** A bound on each wait (a model loads in the first one), not a speed target. */
const STEP_MS = 30_000;

let upstream: ScriptedServer;
let gateway: GatewayProcess;
let browser: Browser;
let probe: { url: string; hits: string[]; close(): Promise<void> };

const script = (request: RecordedRequest): ScriptedReply => {
  const prompt = lastUserText(request);
  // About 3 s in all: the SVG's frame must have time to render while the rest streams, even on a loaded machine.
  if (prompt === "blocks") return { kind: "text", chunks: splitForStreaming(BLOCKS_ANSWER, 12), delayMs: 40 };
  if (prompt === "probe") return { kind: "text", chunks: splitForStreaming(probeAnswer(probe.url), 40), delayMs: 2 };
  if (prompt === "navigating") return { kind: "text", chunks: [navigatingAnswer(probe.url)], delayMs: 2 };
  if (prompt === "breaking") return { kind: "text", chunks: BREAKING_DIAGRAM_CHUNKS, delayMs: 600 };
  if (prompt === "hang") return { kind: "hang-after", chunks: ["Partial ", "answer ", "so far. "] };
  if (prompt === "redirected") return { kind: "text", chunks: ["Redirected ", "answer."] };
  return { kind: "text", chunks: ["Hello ", "from ", "**upstream**."] };
};

async function startProbeServer(): Promise<typeof probe> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "access-control-allow-origin": "*", "content-type": "text/plain" }).end("reached");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/secret`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

beforeAll(async () => {
  const model = await ensureTestModel();
  upstream = await startScriptedServer(script);
  probe = await startProbeServer();
  const project = tempDir("spark-web-");
  const home = tempDir("spark-web-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    [
      "[aliases]",
      `tiny = "local:${model}"`,
      "[models.tiny]",
      "context_size = 2048",
      "temperature = 0",
      "max_tokens = 24",
      '[models."remote-spark"]',
      `base_url = "${upstream.url}"`,
      'model = "upstream-fast"',
      '[models."remote-standard"]',
      `base_url = "${upstream.url}"`,
      'model = "upstream-standard"',
      "",
    ].join("\n"),
  );
  gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  const code = await gateway?.stop();
  await upstream?.close();
  await probe?.close();
  expect(code).toBe(0);
});

const openPage = (context: Parameters<Browser["newContext"]>[0] = {}): Promise<OpenedPage> => openWebPage(browser, gateway.url, { stepMs: STEP_MS, context, cspErrors: true });

async function chooseModel(page: Page, model: string): Promise<void> {
  await page.selectOption("#model-select", model);
}


async function waitForFinish(page: Page, reason: string): Promise<void> {
  await expect.poll(() => lastAnswer(page).getAttribute("data-finish"), { timeout: STEP_MS }).toBe(reason);
}

/** The frame shown by an interactive block (not a render still loading in the background). */
const shownFrame = (page: Page, kind: string) => page.frameLocator(`.interactive-block[data-kind="${kind}"] iframe.sandbox-frame:not(.candidate)`).first();

describe("the page and its files", () => {
  it("serves the page under a strict CSP, hashed assets as immutable, and the frame shell with no network", async () => {
    const page = await fetch(`${gateway.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    const html = await page.text();
    const script = /src="(\/assets\/index-[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${gateway.url}${script}`, { headers: { "accept-encoding": "gzip" } });
    expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const again = await fetch(`${gateway.url}${script}`, { headers: { "if-none-match": asset.headers.get("etag") ?? "" } });
    expect(again.status).toBe(304);
    const shell = await fetch(`${gateway.url}/sandbox.html`);
    expect(shell.headers.get("content-security-policy")).toMatch(/^default-src 'none'; script-src 'unsafe-inline'/);
    expect((await fetch(`${gateway.url}/assets/nope.js`)).status).toBe(404);
  });

  it("loads Mermaid only once a diagram appears", async () => {
    const { context, page, errors } = await openPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    await send(page, "hello");
    await waitForFinish(page, "stop");
    await expect.poll(() => lastAnswer(page).locator("strong").textContent()).toBe("upstream");
    expect(requested.filter((url) => url.includes("mermaid"))).toEqual([]);
    await send(page, "blocks");
    await waitForFinish(page, "stop");
    await expect.poll(() => requested.some((url) => url.includes("mermaid"))).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("interactive code blocks", () => {
  it("renders the SVG, the Mermaid diagram and a running HTML app, live while the answer streams", async () => {
    const { context, page, errors } = await openPage();
    await chooseModel(page, "remote-spark");
    await send(page, "blocks");
    // The SVG block renders while later blocks are still streaming.
    const svgRenderedWhileStreaming = `document.querySelector('.interactive-block[data-kind="svg"]')?.dataset.state === "rendered" && document.querySelector("article.message.assistant:last-of-type")?.dataset.finish === "streaming"`;
    await expect.poll(() => page.evaluate(svgRenderedWhileStreaming), { timeout: STEP_MS, interval: 10 }).toBe(true);
    await screenshot(page, "01-streaming");
    await waitForFinish(page, "stop");
    for (const kind of ["svg", "mermaid", "html"]) {
      await expect.poll(() => page.locator(`.interactive-block[data-kind="${kind}"]`).getAttribute("data-state"), { timeout: STEP_MS }).toBe("rendered");
    }
    await expect.poll(() => shownFrame(page, "svg").locator("svg circle#dot").count()).toBe(1);
    const diagram = shownFrame(page, "mermaid").locator("svg").first();
    await expect.poll(() => diagram.count()).toBe(1);
    expect(await diagram.innerHTML()).toContain("Gateway");
    const app = shownFrame(page, "html");
    expect(await app.locator("#count").textContent()).toBe("clicked 0");
    await app.locator("#inc").click();
    await app.locator("#inc").click();
    await expect.poll(() => app.locator("#count").textContent()).toBe("clicked 2");
    expect(await page.evaluate(`[...document.querySelectorAll(".interactive-block iframe")].map((frame) => frame.getAttribute("sandbox"))`)).toEqual(["allow-scripts", "allow-scripts", "allow-scripts"]);
    await screenshot(page, "02-blocks-rendered");

    // Flip to source and back; open full size.
    const block = page.locator('.interactive-block[data-kind="svg"]');
    const flip = block.getByRole("button", { name: /^Show the SVG image's source/ });
    await flip.click();
    expect(await flip.getAttribute("aria-pressed")).toBe("true");
    expect(await block.locator("pre.block-source").textContent()).toContain("<circle");
    await flip.click();
    await page.locator('.interactive-block[data-kind="mermaid"]').getByRole("button", { name: /full size/i }).click();
    await expect.poll(() => page.frameLocator("#fullsize-stage iframe").locator("svg").count()).toBeGreaterThan(0);
    await screenshot(page, "03-fullsize");
    await page.keyboard.press("Escape");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("keeps the last good render of an unfinished or broken block, with the error shown quietly", async () => {
    const { context, page } = await openPage();
    await send(page, "breaking");
    const block = page.locator('.interactive-block[data-kind="mermaid"]');
    await waitForFinish(page, "stop");
    await expect.poll(() => block.getAttribute("data-state"), { timeout: STEP_MS }).toBe("error");
    expect(await block.locator(".block-status").textContent()).toMatch(/^⚠ /);
    expect(await shownFrame(page, "mermaid").locator("svg").first().innerHTML()).toContain("Alpha");
    await screenshot(page, "03b-kept-last-good-render");
    await context.close();
  });

  it("isolates a mini-app: no access to the page, its cookies or storage, and no network", async () => {
    const { context, page } = await openPage();
    await page.evaluate(`document.cookie = "secret=parent-cookie"; localStorage.setItem("secret", "parent-storage");`);
    await send(page, "probe");
    await waitForFinish(page, "stop");
    const app = shownFrame(page, "html");
    await expect.poll(() => app.locator("#probe").textContent(), { timeout: STEP_MS }).toContain('"done":true');
    const result = JSON.parse((await app.locator("#probe").textContent()) ?? "{}") as Record<string, string>;
    expect(result.parent).toMatch(/^blocked:SecurityError/);
    expect(result.cookie).toMatch(/^blocked:SecurityError/);
    expect(result.storage).toMatch(/^blocked:SecurityError/);
    // CSP does not cover WebRTC: the frame removes it before the block's code runs.
    expect(result.webrtc).toMatch(/^blocked:TypeError/);
    expect(result.fetch).toMatch(/^blocked:TypeError/);
    expect(result.image).toBe("blocked");
    expect(JSON.stringify(result)).not.toContain("parent-cookie");
    expect(JSON.stringify(result)).not.toContain("parent-storage");
    expect(probe.hits).toEqual([]);
    await screenshot(page, "04-isolation");
    await context.close();
  });

  it("stops a mini-app that navigates its frame away from the sandbox (to a data: document with WebRTC, or another site)", async () => {
    const { context, page } = await openPage();
    await page.evaluate(`window.escapees = []; addEventListener("message", (event) => { if (event.data && event.data.type === "spark-escapee") escapees.push(event.data.webrtc); });`);
    await send(page, "navigating");
    await waitForFinish(page, "stop");
    const blocks = page.locator('.interactive-block[data-kind="html"]');
    await expect.poll(() => blocks.count(), { timeout: STEP_MS }).toBe(3);
    for (const index of [0, 1]) {
      // The page's CSP (frame-src 'self') refuses both navigations; the frame's second load (the
      // browser's error page) then removes it, as any document the page did not give it would be.
      await expect.poll(() => blocks.nth(index).getAttribute("data-state"), { timeout: STEP_MS }).toBe("stopped");
      expect(await blocks.nth(index).locator(".block-status").textContent()).toContain("tried to leave its sandbox");
      expect(await blocks.nth(index).locator("iframe").count()).toBe(0);
    }
    // The third leaves while its document is still loading: the refused navigation leaves its frame
    // without a document, so the block never reports a render and fails (stopped, or out of time).
    await expect.poll(() => blocks.nth(2).getAttribute("data-state"), { timeout: STEP_MS }).toMatch(/stopped|error/);
    // The data: document never ran: it posts before its load event, which is what stops the block.
    expect(await page.evaluate("window.escapees")).toEqual([]);
    expect(probe.hits).toEqual([]);
    await screenshot(page, "04b-navigation-stopped");
    await context.close();
  });
});

describe("stop and redirect", () => {
  it("Stop ends the answer mid-stream, keeps the partial text and closes the upstream request", async () => {
    const { context, page } = await openPage();
    const disconnect = upstream.waitForClientDisconnect(STEP_MS);
    await send(page, "hang");
    await expect.poll(() => lastAnswer(page).textContent()).toContain("so far.");
    expect(await page.locator("#stop-button").isEnabled()).toBe(true);
    await page.click("#stop-button");
    await disconnect;
    await waitForFinish(page, "abort");
    expect(await lastAnswer(page).textContent()).toContain("Partial answer so far.");
    expect(await page.locator("#stop-button").isDisabled()).toBe(true);
    await screenshot(page, "05-stopped");
    await context.close();
  });

  it("sending mid-stream redirects (a steer over the socket): the first upstream request is aborted, the successor answered", async () => {
    const { context, page } = await openPage();
    const disconnect = upstream.waitForClientDisconnect(STEP_MS);
    await send(page, "hang");
    await expect.poll(() => lastAnswer(page).textContent()).toContain("so far.");
    await send(page, "redirected");
    await disconnect;
    await waitForFinish(page, "stop");
    expect(await lastAnswer(page).textContent()).toContain("Redirected answer.");
    expect(await page.locator("article.message.assistant").first().getAttribute("data-finish")).toBe("steered");
    // The gateway made the successor (test/web-ui-steer.test.ts counts the steer; the HTTP fallback's cache key is tested there).
    const redirect = upstream.requests.filter((request) => request.method === "POST").at(-1);
    expect(redirect?.body.messages.slice(-3)).toEqual([
      { role: "user", content: "hang" },
      { role: "assistant", content: "Partial answer so far. " },
      { role: "user", content: "redirected" },
    ]);
    await screenshot(page, "06-redirected");
    await context.close();
  });
});

describe("conversations, keyboard, phone, theme", () => {
  it("saves conversations in the gateway and lists them in the sidebar", async () => {
    const { context, page } = await openPage();
    await page.click("#new-conversation");
    await send(page, "remember this");
    await waitForFinish(page, "stop");
    await expect.poll(() => page.locator(".conversation-link", { hasText: "remember this" }).count()).toBe(1);
    const listed = (await (await fetch(`${gateway.url}/v1/spark/conversations`)).json()) as { data: { id: string; title: string; messageCount: number }[] };
    const saved = listed.data.find((conversation) => conversation.title === "remember this");
    expect(saved?.messageCount).toBe(2);
    await page.reload();
    await page.locator(".conversation-link", { hasText: "remember this" }).click();
    await expect.poll(() => page.locator("article.message").count()).toBe(2);
    expect(await page.locator("article.message.assistant strong").textContent()).toBe("upstream");
    await screenshot(page, "07-conversation-reopened");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: 'Delete the conversation "remember this"' }).click();
    await expect.poll(() => page.locator(".conversation-link", { hasText: "remember this" }).count()).toBe(0);
    expect(await page.locator("article.message").count()).toBe(0);
    expect((await fetch(`${gateway.url}/v1/spark/conversations/${saved?.id ?? ""}`)).status).toBe(404);
    await context.close();
  });

  it("works with the keyboard only: Enter sends, Shift+Enter is a new line, Esc stops, Alt+M flips the model", async () => {
    const { context, page } = await openPage();
    expect(await page.evaluate("document.activeElement?.id")).toBe("composer-input");
    await page.keyboard.type("line one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("line two");
    expect(await page.inputValue("#composer-input")).toBe("line one\nline two");
    await page.keyboard.press("Enter");
    await waitForFinish(page, "stop");
    expect(await page.locator("article.message.user").last().textContent()).toBe("line one\nline two");
    await page.keyboard.type("hang");
    await page.keyboard.press("Enter");
    await expect.poll(() => lastAnswer(page).textContent()).toContain("so far.");
    await page.keyboard.press("Escape");
    await waitForFinish(page, "abort");
    const before = await page.locator("#model-toggle").textContent();
    await page.keyboard.press("Alt+m");
    expect(await page.locator("#model-toggle").textContent()).not.toBe(before);
    // Tab reaches the theme toggle; Enter switches the theme.
    const theme = await page.evaluate("document.documentElement.dataset.theme");
    for (let i = 0; i < 40 && (await page.evaluate("document.activeElement?.id")) !== "theme-toggle"; i++) await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.documentElement.dataset.theme")).not.toBe(theme);
    await screenshot(page, "08-keyboard");
    await context.close();
  });

  it("reads well at phone width in the dark theme", async () => {
    const { context, page, errors } = await openPage({ viewport: { width: 390, height: 844 }, colorScheme: "dark", isMobile: true, hasTouch: true });
    expect(await page.evaluate("document.documentElement.dataset.theme")).toBe("dark");
    await send(page, "blocks");
    await waitForFinish(page, "stop");
    await expect.poll(() => page.locator('.interactive-block[data-kind="html"]').getAttribute("data-state"), { timeout: STEP_MS }).toBe("rendered");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect(await page.locator("#sidebar").isVisible()).toBe(false);
    await page.click("#sidebar-toggle");
    expect(await page.locator("#sidebar").isVisible()).toBe(true);
    await screenshot(page, "09a-phone-conversations");
    await page.keyboard.press("Escape");
    expect(await page.locator("#sidebar").isVisible()).toBe(false);
    await screenshot(page, "09b-phone-dark");
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe("the local tiny GGUF through the gateway", () => {
  it("streams an answer, with TTFT, tokens/s and its finish", async () => {
    const { context, page } = await openPage();
    await chooseModel(page, "tiny");
    await send(page, "hi");
    await waitForFinish(page, "length");
    expect((await lastAnswer(page).textContent())?.length).toBeGreaterThan(0);
    expect(Number(await page.locator("#stat-ttft").getAttribute("data-value"))).toBeGreaterThanOrEqual(0);
    expect(Number(await page.locator("#stat-speed").getAttribute("data-value"))).toBeGreaterThan(0);
    expect(await page.locator("#stat-speed").textContent()).toContain("24 tokens");
    expect(await page.locator("#stat-quota").textContent()).toContain("standard");
    await screenshot(page, "10-tiny-gguf");
    await context.close();
  });
});
