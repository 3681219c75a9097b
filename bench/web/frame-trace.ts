import type { CDPSession } from "playwright-core";
import { openChat, PASSES, percentiles, startBenchStack, waitForFinish, type Percentiles } from "./workload.js";

/**
 * `npm run bench -- web-trace`: the live-blocks pass of `web` under Chromium's tracing, for where each
 * frame's main-thread time goes. The `web` bench's "main thread per frame" is wall time: on a busy machine a
 * frame's CPU is stretched two to four times by waiting for a core, so its figures move with the load. A
 * frame task's thread time (CPU) moves much less: it is the figure to compare builds with on a loaded
 * machine, with the phases it went to (script, style, layout, paint, commit).
 */

export interface FrameTraceResult {
  tokensPerSecond: number;
  streamedS: number;
  browser: string;
  frames: number;
  frameCpuMs: Percentiles;
  frameWallMs: Percentiles;
  /** Average CPU per frame by phase (ms), over all frames and over the 5% with the most CPU. */
  phases: { all: Record<Phase, number>; top5: Record<Phase, number> };
  /** CPU of the busiest threads of the browser's processes during the pass (ms of task thread time). */
  threads: { name: string; cpuMs: number }[];
}

type Phase = "script" | "style" | "layout" | "paint" | "commit";

/** The trace events that make each phase (Chromium's timeline names). */
const PHASE_EVENTS: Record<string, Phase> = {
  FireAnimationFrame: "script",
  UpdateLayoutTree: "style",
  Layout: "layout",
  PrePaint: "paint",
  Paint: "paint",
  Layerize: "paint",
  Commit: "commit",
};

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const TASK = "ThreadControllerImpl::RunTask";
const CATEGORIES = "devtools.timeline,disabled-by-default-devtools.timeline,toplevel";

async function traceDuring(cdp: CDPSession, run: () => Promise<void>): Promise<TraceEvent[]> {
  const events: TraceEvent[] = [];
  cdp.on("Tracing.dataCollected", (data: { value: object[] }) => events.push(...(data.value as TraceEvent[])));
  await cdp.send("Tracing.start", { categories: CATEGORIES, transferMode: "ReportEvents" });
  await run();
  const complete = new Promise((resolve) => cdp.once("Tracing.tracingComplete", resolve));
  await cdp.send("Tracing.end");
  await complete;
  return events;
}

const threadKey = (event: TraceEvent) => `${event.pid}:${event.tid}`;

/** Threads by name, and each thread's complete events in time order (outer events first). */
function byThread(events: TraceEvent[]): { names: Map<string, string>; threads: Map<string, TraceEvent[]> } {
  const names = new Map<string, string>();
  const threads = new Map<string, TraceEvent[]>();
  for (const event of events) {
    if (event.ph === "M" && event.name === "thread_name") names.set(threadKey(event), event.args?.name ?? "");
    if (event.ph !== "X" || event.dur === undefined) continue;
    const list = threads.get(threadKey(event)) ?? [];
    list.push(event);
    threads.set(threadKey(event), list);
  }
  for (const list of threads.values()) list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  return { names, threads };
}

interface FrameTask {
  cpuMs: number;
  wallMs: number;
  phases: Record<Phase, number>;
}

const noPhases = (): Record<Phase, number> => ({ script: 0, style: 0, layout: 0, paint: 0, commit: 0 });

/** The tasks of one thread that ran a frame (an animation frame's callbacks or its paint), with their phases. */
function frameTasks(events: TraceEvent[]): FrameTask[] {
  const frames: FrameTask[] = [];
  let current: { task: TraceEvent; frame: boolean; phases: Record<Phase, number> } | undefined;
  const close = () => {
    if (current?.frame) frames.push({ cpuMs: (current.task.tdur ?? 0) / 1000, wallMs: (current.task.dur ?? 0) / 1000, phases: current.phases });
  };
  for (const event of events) {
    if (event.name === TASK && (!current || event.ts >= current.task.ts + (current.task.dur ?? 0))) {
      close();
      current = { task: event, frame: false, phases: noPhases() };
      continue;
    }
    const phase = PHASE_EVENTS[event.name];
    if (!current || !phase) continue;
    current.frame ||= event.name === "FireAnimationFrame" || event.name === "Paint";
    current.phases[phase] += (event.tdur ?? 0) / 1000;
  }
  close();
  return frames;
}

function averagePhases(frames: FrameTask[]): Record<Phase, number> {
  const sum = noPhases();
  for (const frame of frames) for (const phase of Object.keys(sum) as Phase[]) sum[phase] += frame.phases[phase];
  for (const phase of Object.keys(sum) as Phase[]) sum[phase] = Number((sum[phase] / Math.max(1, frames.length)).toFixed(2));
  return sum;
}

export function analyseFrameTrace(events: TraceEvent[]): Omit<FrameTraceResult, "tokensPerSecond" | "streamedS" | "browser"> {
  const { names, threads } = byThread(events);
  // The page's main thread: the renderer main thread with the most animation frames (a live block's frames
  // run in another renderer process, and animate far less often).
  const count = (key: string) => (threads.get(key) ?? []).filter((event) => event.name === "FireAnimationFrame").length;
  const mains = [...threads.keys()].filter((key) => names.get(key) === "CrRendererMain").sort((a, b) => count(b) - count(a));
  const frames = frameTasks(threads.get(mains[0] ?? "") ?? []);
  const top5 = [...frames].sort((a, b) => b.cpuMs - a.cpuMs).slice(0, Math.max(1, Math.floor(frames.length / 20)));
  const threadCpu = [...threads.entries()].map(([key, list]) => ({
    name: `${key === mains[0] ? "page " : ""}${names.get(key) ?? key}`,
    cpuMs: Math.round(list.filter((event) => event.name === TASK).reduce((sum, event) => sum + (event.tdur ?? 0), 0) / 1000),
  }));
  return {
    frames: frames.length,
    frameCpuMs: percentiles(frames.map((frame) => frame.cpuMs)),
    frameWallMs: percentiles(frames.map((frame) => frame.wallMs)),
    phases: { all: averagePhases(frames), top5: averagePhases(top5) },
    threads: threadCpu.sort((a, b) => b.cpuMs - a.cpuMs).slice(0, 8),
  };
}

export async function runFrameTrace(options: { tokensPerSecond: number; seconds: number }, log: (line: string) => void): Promise<FrameTraceResult> {
  const spec = PASSES.find((pass) => pass.liveBlocks) ?? PASSES[0];
  if (!spec) throw new Error("the web bench has no passes");
  const stack = await startBenchStack([spec], options);
  try {
    const page = await openChat(stack.browser, stack.gatewayUrl, spec.name);
    const cdp = await page.context().newCDPSession(page);
    log(`${spec.name}: streaming ${options.tokensPerSecond} tokens/s for ${options.seconds} s under tracing…`);
    const events = await traceDuring(cdp, async () => {
      await page.fill("#composer-input", "stream the benchmark answer");
      await page.press("#composer-input", "Enter");
      await waitForFinish(page, (options.seconds + 60) * 1000);
    });
    return { tokensPerSecond: options.tokensPerSecond, streamedS: options.seconds, browser: stack.browser.version(), ...analyseFrameTrace(events) };
  } finally {
    await stack.close();
  }
}

const row = (p: Percentiles) => `${p.p50} | ${p.p95} | ${p.p99} | ${p.max}`;
const phaseRow = (name: string, phases: Record<Phase, number>) => `| ${name} | ${phases.script} | ${phases.style} | ${phases.layout} | ${phases.paint} | ${phases.commit} |`;

export function frameTraceMarkdown(result: FrameTraceResult): string {
  return [
    `Headless Chromium ${result.browser} (Debian's), no GPU; the live-blocks pass of \`web\` (${result.tokensPerSecond.toLocaleString("en")} tokens/s for ${result.streamedS} s) under Chromium's tracing.`,
    "",
    `## The page's frame tasks (${result.frames})`,
    "",
    "| ms | p50 | p95 | p99 | max |",
    "| --- | ---: | ---: | ---: | ---: |",
    `| CPU (thread time) | ${row(result.frameCpuMs)} |`,
    `| wall | ${row(result.frameWallMs)} |`,
    "",
    "CPU is the frame's own work; wall adds the time its thread waited for a core (and tracing's overhead), the",
    "part that moves with the machine's load.",
    "",
    "## CPU per frame by phase (ms, average)",
    "",
    "| frames | script | style | layout | paint (prepaint, paint, layerize) | commit |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    phaseRow("all", result.phases.all),
    phaseRow("the 5% with the most CPU", result.phases.top5),
    "",
    "## The busiest threads during the pass (CPU ms)",
    "",
    "| thread | CPU ms |",
    "| --- | ---: |",
    ...result.threads.map((thread) => `| ${thread.name} | ${thread.cpuMs} |`),
    "",
  ].join("\n");
}
