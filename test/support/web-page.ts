/**
 * The web UI's pages for the browser tests: a fresh context and page on a gateway, loaded until the model
 * picker has its models, with the page's uncaught errors collected; and the composer's two steps.
 */
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { expect } from "vitest";

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** The page's uncaught errors (and CSP violations, with `cspErrors`), for a test to expect none. */
  errors: string[];
}

export interface OpenPageOptions {
  /** Each step's time limit (the page's default timeout, and the wait for the model picker). */
  stepMs: number;
  /** The browser context's options over the default viewport (1280x900). */
  context?: Parameters<Browser["newContext"]>[0];
  /** Also count a CSP violation on the console: something the UI itself does is blocked. */
  cspErrors?: boolean;
  /** Runs on the new page before it loads the UI (e.g. `page.route` to refuse or replace a script). */
  beforeLoad?: (page: Page) => Promise<void>;
}

/** Opens the web UI of the gateway at `url` in a new context of `browser`; close `context` when done. */
export async function openPage(browser: Browser, url: string, options: OpenPageOptions): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options.context });
  const page = await context.newPage();
  page.setDefaultTimeout(options.stepMs);
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  if (options.cspErrors) {
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) errors.push(`${message.location().url}: ${message.text()}`);
    });
  }
  await options.beforeLoad?.(page);
  await page.goto(url);
  await expect.poll(() => page.locator("#model-select option").count(), { timeout: options.stepMs }).toBeGreaterThan(0);
  return { context, page, errors };
}

/** Types `text` into the composer and sends it, as a user pressing Enter. */
export async function send(page: Page, text: string): Promise<void> {
  await page.fill("#composer-input", text);
  await page.press("#composer-input", "Enter");
}

/** The latest assistant answer of the conversation on `page`. */
export const lastAnswer = (page: Page): Locator => page.locator("article.message.assistant").last();
