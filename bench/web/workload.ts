import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, CDPSession, Page } from "playwright-core";
import { launchChromium } from "../../test/support/browser.js";
import { startGateway } from "../../test/support/gateway-process.js";
import { tempDir } from "../../test/support/run-spark.js";
import { measurePageSize, type PageSize } from "./page-size.js";
import { startPacedMarkdownServer, type PacedMarkdownServer } from "./paced-markdown-server.js";

/**
 * `npm run bench -- web`: the size of the built page, and its frame times while the real gateway relays a
 * markdown answer (prose, code, live SVG / Mermaid / HTML blocks) streamed at 5,000 tokens/s by a paced
 * upstream, in headless Chromium. Frame figures come from inside the page: the interval between animation
 * frames (16.7 ms at 60 Hz; 33 ms means one frame dropped) and each frame's main-thread time, from the
 * frame's start (the rAF timestamp) until the main thread is free again after rendering, plus long tasks.
 */

export const WEB_DEFAULTS = { tokensPerSecond: 5_000, seconds: 10 } as const;

export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface StreamPass {
  name: string;
  description: string;
  tokensSent: number;
  charsSent: number;
  frameIntervalMs: Percentiles;
  frameMainThreadMs: Percentiles;
  longTasks: { count: number; totalMs: number; maxMs: number };
  /**
   * The page's main thread over the pass, from Chromium's own counters: CPU time (ThreadTime), and the time
   * its tasks, scripts and layout took. CPU time barely moves when other work loads the machine, so it
   * compares builds where the frame figures cannot.
   */
  mainThread: { cpuMs: number; taskMs: number; scriptMs: number; layoutMs: number };
  /** From the end the upstream's stream was due to the page marking the answer finished. */
  finishLagMs: number;
}

export interface WebBenchResult {
  tokensPerSecond: number;
  streamedS: number;
  size: PageSize;
  pageLoadMs: { domContentLoaded: number; load: number };
  passes: StreamPass[];
  browser: string;
}

const webDir = join(import.meta.dirname, "..", "..", "dist", "web");

/** Installed before the page's own scripts (CDP, so the page's CSP does not apply to it). */
const FRAME_PROBE = `(() => {
  const probe = { intervals: [], costs: [], longTasks: [], measuring: false };
  window.__sparkFrames = probe;
  const channel = new MessageChannel();
  let frameStart = 0;
  let last;
  channel.port1.onmessage = () => { if (probe.measuring) probe.costs.push(performance.now() - frameStart); };
  const loop = (t) => {
    if (probe.measuring && last !== undefined) probe.intervals.push(t - last);
    last = t;
    frameStart = t;
    channel.port2.postMessage(0);
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  new PerformanceObserver((list) => { if (probe.measuring) for (const entry of list.getEntries()) probe.longTasks.push(entry.duration); }).observe({ type: "longtask" });
})();`;

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

export interface PassSpec {
  name: string;
  description: string;
  proseSections: number;
  liveBlocks: boolean;
}

/** Prose sections are ~173 tokens; 56 of them put one set of live blocks every ~2 s at 5,000 tokens/s. */
export const PASSES: PassSpec[] = [
  { name: "prose-and-code", description: "prose, lists and highlighted code blocks", proseSections: 8, liveBlocks: false },
  { name: "live-blocks", description: "the same plus an SVG, a Mermaid diagram and an HTML app every ~10,000 tokens (~2 s)", proseSections: 56, liveBlocks: true },
];

export async function openChat(browser: Browser, url: string, model: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.addInitScript(FRAME_PROBE);
  await page.goto(url);
  await page.waitForSelector(`#model-select option[value="${model}"]`, { state: "attached", timeout: 20_000 });
  await page.selectOption("#model-select", model);
  return page;
}

async function pageLoad(page: Page): Promise<{ domContentLoaded: number; load: number }> {
  return page.evaluate<{ domContentLoaded: number; load: number }>(
    `(() => { const nav = performance.getEntriesByType("navigation")[0]; return { domContentLoaded: Math.round(nav.domContentLoadedEventEnd), load: Math.round(nav.loadEventEnd) }; })()`,
  );
}

/**
 * How often the harness looks for the finished answer. Not on every animation frame (waitForSelector's
 * way): that query, run in the page on each of its frames, would be counted as the page's own work.
 */
const FINISH_POLL_MS = 250;

export async function waitForFinish(page: Page, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  // A plain querySelector: Playwright's own selector engine walks the whole DOM for shadow roots each time.
  while (!(await page.evaluate<boolean>(`document.querySelector('article.message.assistant[data-finish="stop"]') !== null`))) {
    if (performance.now() > deadline) throw new Error(`the answer did not finish within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, FINISH_POLL_MS));
  }
}

type Counters = Record<"ThreadTime" | "TaskDuration" | "ScriptDuration" | "LayoutDuration", number>;

/** The main thread's counters (seconds) from the Performance domain. */
async function mainThreadCounters(cdp: CDPSession): Promise<Counters> {
  const { metrics } = await cdp.send("Performance.getMetrics");
  const value = (name: string) => metrics.find((metric) => metric.name === name)?.value ?? 0;
  return { ThreadTime: value("ThreadTime"), TaskDuration: value("TaskDuration"), ScriptDuration: value("ScriptDuration"), LayoutDuration: value("LayoutDuration") };
}

async function runPass(page: Page, spec: PassSpec, upstream: PacedMarkdownServer, seconds: number): Promise<StreamPass> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable", { timeDomain: "threadTicks" });
  const before = await mainThreadCounters(cdp);
  await page.evaluate("window.__sparkFrames.measuring = true");
  await page.fill("#composer-input", "stream the benchmark answer");
  const sentAt = performance.now();
  await page.press("#composer-input", "Enter");
  await waitForFinish(page, (seconds + 60) * 1000);
  const finishedAt = performance.now();
  await page.evaluate("window.__sparkFrames.measuring = false");
  const after = await mainThreadCounters(cdp);
  const spent = (name: keyof Counters) => Math.round((after[name] - before[name]) * 1000);
  const probe = await page.evaluate<{ intervals: number[]; costs: number[]; longTasks: number[] }>("window.__sparkFrames");
  return {
    name: spec.name,
    description: spec.description,
    tokensSent: upstream.tokensSent,
    charsSent: upstream.charsSent,
    frameIntervalMs: percentiles(probe.intervals),
    frameMainThreadMs: percentiles(probe.costs),
    mainThread: { cpuMs: spent("ThreadTime"), taskMs: spent("TaskDuration"), scriptMs: spent("ScriptDuration"), layoutMs: spent("LayoutDuration") },
    longTasks: { count: probe.longTasks.length, totalMs: Math.round(probe.longTasks.reduce((sum, ms) => sum + ms, 0)), maxMs: Math.round(Math.max(0, ...probe.longTasks)) },
    finishLagMs: Math.round(finishedAt - sentAt - seconds * 1000),
  };
}

export interface BenchStack {
  /** A paced upstream per pass, in order; the gateway names each pass's model after the pass. */
  upstreams: PacedMarkdownServer[];
  gatewayUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/** The paced upstreams of `specs`, the built gateway relaying them, and Chromium. */
export async function startBenchStack(specs: readonly PassSpec[], options: { tokensPerSecond: number; seconds: number }): Promise<BenchStack> {
  const upstreams = await Promise.all(specs.map((spec) => startPacedMarkdownServer({ ...options, ...spec })));
  const project = tempDir("spark-web-bench-");
  const home = tempDir("spark-web-bench-home-");
  mkdirSync(join(project, ".spark"));
  const config = specs.flatMap((spec, i) => [`[models."${spec.name}"]`, `base_url = "${upstreams[i]?.url ?? ""}"`, 'model = "bench"']);
  writeFileSync(join(project, ".spark", "config.toml"), `${config.join("\n")}\n`);
  const gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
  const browser = await launchChromium();
  return {
    upstreams,
    gatewayUrl: gateway.url,
    browser,
    async close() {
      await browser.close();
      await gateway.stop();
      await Promise.all(upstreams.map((upstream) => upstream.close()));
    },
  };
}

export async function runWebBench(options: { tokensPerSecond: number; seconds: number }, log: (line: string) => void): Promise<WebBenchResult> {
  const size = measurePageSize(webDir);
  log(`page: ${size.initial.bytes} bytes initial (${size.initial.gzipBytes} gzipped), ${size.lazy.bytes} bytes of lazy chunks`);
  const stack = await startBenchStack(PASSES, options);
  try {
    const passes: StreamPass[] = [];
    let pageLoadMs = { domContentLoaded: 0, load: 0 };
    for (const [i, spec] of PASSES.entries()) {
      const page = await openChat(stack.browser, stack.gatewayUrl, spec.name);
      if (i === 0) pageLoadMs = await pageLoad(page);
      log(`${spec.name}: streaming ${options.tokensPerSecond} tokens/s for ${options.seconds} s…`);
      const upstream = stack.upstreams[i];
      if (upstream) passes.push(await runPass(page, spec, upstream, options.seconds));
      await page.context().close();
    }
    return { tokensPerSecond: options.tokensPerSecond, streamedS: options.seconds, size, pageLoadMs, passes, browser: stack.browser.version() };
  } finally {
    await stack.close();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const passRow = (pass: StreamPass) =>
  `| ${pass.name} | ${pass.tokensSent.toLocaleString("en")} | ${pass.frameMainThreadMs.count} | ${pass.frameIntervalMs.p50} | ${pass.frameIntervalMs.p95} | ${pass.frameMainThreadMs.p50} | ${pass.frameMainThreadMs.p95} | ${pass.frameMainThreadMs.p99} | ${pass.frameMainThreadMs.max} | ${pass.longTasks.count} (${pass.longTasks.totalMs}) | ${pass.finishLagMs} ms |`;

const cpuRow = (pass: StreamPass) =>
  `| ${pass.name} | ${pass.mainThread.cpuMs} | ${((pass.mainThread.cpuMs * 1000) / Math.max(1, pass.tokensSent)).toFixed(1)} | ${pass.mainThread.taskMs} | ${pass.mainThread.scriptMs} | ${pass.mainThread.layoutMs} |`;

export function webMarkdown(result: WebBenchResult): string {
  const { size } = result;
  return [
    `Headless Chromium ${result.browser} (Debian's), no GPU; the built gateway (\`spark serve\`) relays a paced upstream.`,
    "",
    "## Page size",
    "",
    "| what | files | bytes | gzipped |",
    "| --- | ---: | ---: | ---: |",
    `| first load (index.html + its JS and CSS) | ${size.initial.files} | ${kb(size.initial.bytes)} | ${kb(size.initial.gzipBytes)} |`,
    `| the code highlighting worker, loaded in idle time after the first load | ${size.worker.files} | ${kb(size.worker.bytes)} | ${kb(size.worker.gzipBytes)} |`,
    `| Mermaid, loaded when a diagram appears (all lazy chunks) | ${size.lazy.files} | ${kb(size.lazy.bytes)} | ${kb(size.lazy.gzipBytes)} |`,
    `| of which the renderer's entry (Mermaid's core) | ${size.mermaidCore.files} | ${kb(size.mermaidCore.bytes)} | ${kb(size.mermaidCore.gzipBytes)} |`,
    "",
    `Page load on loopback: DOMContentLoaded ${result.pageLoadMs.domContentLoaded} ms, load ${result.pageLoadMs.load} ms.`,
    "",
    `## Frames while streaming ${result.tokensPerSecond.toLocaleString("en")} tokens/s for ${result.streamedS} s`,
    "",
    "| answer | tokens | frames | interval p50 | interval p95 | main thread p50 | main thread p95 | p99 | max | long tasks (ms in all) | finished after |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...result.passes.map(passRow),
    "",
    "Interval: between animation frames (16.7 ms at 60 Hz; 33 ms is one dropped frame). Main thread: from a frame's start",
    "(its rAF timestamp) until the main thread is free after rendering it, which also counts work that delayed the frame",
    "(the target is p95 <= 16 ms). Long tasks: over 50 ms. Finished after: from when the upstream's stream was due to end",
    "until the page marked the answer finished.",
    "",
    ...result.passes.map((pass) => `- ${pass.name}: ${pass.description}.`),
    "",
    "## The page's main thread over each pass (Chromium's counters, thread time)",
    "",
    "| answer | CPU ms | per 1,000 tokens | tasks ms | script ms | layout ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...result.passes.map(cpuRow),
    "",
    "CPU time is what the page's main thread itself used; unlike the frame figures it changes little when other work",
    "loads the machine, so it is the figure to compare builds on a busy machine.",
    "",
  ].join("\n");
}
