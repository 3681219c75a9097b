/**
 * Debian's Chromium driven by playwright-core, for the web UI's end-to-end tests and benchmark. The browser
 * is never downloaded (`npx playwright install` is not used): CI installs the `chromium` package.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.SPARK_CHROMIUM ?? "/usr/bin/chromium";

const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const SCREENSHOT_DIR = join(repoRoot, "test-output", "web");

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium; .ci/run does), or point SPARK_CHROMIUM at a Chromium binary.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: 30_000,
  });
}

/** Saves a full-page screenshot as test-output/web/NAME.png, for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
