/**
 * The web-trace bench's reading of a Chromium trace (bench/web/frame-trace.ts): which thread is the page's,
 * which tasks ran a frame, and what each frame's CPU went to. On events shaped as Chromium writes them.
 */
import { describe, expect, it } from "vitest";
import { analyseFrameTrace } from "../bench/web/frame-trace.js";

const PAGE = { pid: 10, tid: 1 };
const FRAME_PROCESS = { pid: 20, tid: 1 };
const WORKER = { pid: 10, tid: 7 };

const thread = (at: { pid: number; tid: number }, name: string) => ({ ...at, ph: "M", name: "thread_name", ts: 0, args: { name } });
/** A complete event: `ts` and `dur` in ms of wall time, `tdur` in ms of CPU (the trace has microseconds). */
const event = (at: { pid: number; tid: number }, name: string, ts: number, dur: number, tdur = dur) => ({ ...at, ph: "X", name, ts: ts * 1000, dur: dur * 1000, tdur: tdur * 1000 });
const task = "ThreadControllerImpl::RunTask";

/** A frame task at `ts`: its callbacks (script), style, layout, paint and commit, stretched by waiting for a core. */
const frame = (at: { pid: number; tid: number }, ts: number, cpu: { script: number; layout: number; paint: number }) => [
  event(at, task, ts, 20, cpu.script + cpu.layout + cpu.paint + 0.5),
  event(at, "FireAnimationFrame", ts + 1, 8, cpu.script),
  event(at, "FunctionCall", ts + 1, 8, cpu.script),
  event(at, "Layout", ts + 10, 4, cpu.layout),
  event(at, "Paint", ts + 15, 2, cpu.paint),
  event(at, "Commit", ts + 18, 1, 0.5),
];

describe("analyseFrameTrace", () => {
  it("reads the page's frame tasks: CPU and wall time, phases, the busiest threads", () => {
    const events = [
      thread(PAGE, "CrRendererMain"),
      thread(FRAME_PROCESS, "CrRendererMain"),
      thread(WORKER, "DedicatedWorker thread"),
      ...frame(PAGE, 0, { script: 1, layout: 0.5, paint: 0.5 }),
      ...frame(PAGE, 20, { script: 3, layout: 1, paint: 1 }),
      ...frame(PAGE, 40, { script: 2, layout: 0.5, paint: 0.5 }),
      // A socket message on the page's thread: a task, not a frame.
      event(PAGE, task, 60, 2, 1),
      event(PAGE, "FunctionCall", 60, 2, 1),
      // A live block's frame animates once, in its own renderer process.
      ...frame(FRAME_PROCESS, 0, { script: 9, layout: 0, paint: 0 }),
      event(WORKER, task, 0, 30, 25),
    ];
    const result = analyseFrameTrace(events);
    expect(result.frames).toBe(3);
    expect(result.frameCpuMs).toMatchObject({ count: 3, p50: 3.5, max: 5.5 });
    expect(result.frameWallMs).toMatchObject({ p50: 20, max: 20 });
    expect(result.phases.all).toEqual({ script: 2, style: 0, layout: 0.67, paint: 0.67, commit: 0.5 });
    // The 5% with the most CPU of 3 frames: the one dearest.
    expect(result.phases.top5).toEqual({ script: 3, style: 0, layout: 1, paint: 1, commit: 0.5 });
    expect(result.threads).toEqual([
      { name: "DedicatedWorker thread", cpuMs: 25 },
      { name: "page CrRendererMain", cpuMs: 13 },
      { name: "CrRendererMain", cpuMs: 10 },
    ]);
  });
});
