import { whenIdle } from "./idle.js";

/**
 * Work done once, in the page's idle time after it loads, so that the first answer does not pay for it in
 * its frames: the first markdown render (V8 compiling marked's and DOMPurify's functions) took 40 ms of
 * CPU in one streamed frame, and the highlighting worker takes a while to start. Each step runs in an
 * idle period of its own with time to spare, never two in one task.
 */

/** The idle time a step wants left before it starts (each is a few milliseconds). */
const STEP_BUDGET_MS = 8;
/** A step waits at most this long for such a period, so the warm-up ends even on a page that is never idle. */
const STEP_TIMEOUT_MS = 5_000;

/** Markdown with every construct an answer commonly has, rendered once and thrown away. */
export const WARM_UP_MARKDOWN = [
  "## Heading",
  "",
  "A paragraph with **bold**, *emphasis*, `code`, a [link](https://example.com) and ~~strike~~.",
  "",
  "- a list item",
  "  1. nested, numbered",
  "- [ ] a task",
  "",
  "> a quote",
  "",
  "| a | b |",
  "| --- | ---: |",
  "| 1 | 2 |",
  "",
  "    indented code",
].join("\n");

export function warmUpWhenIdle(steps: readonly (() => void)[]): void {
  const [step, ...rest] = steps;
  if (!step) return;
  whenIdle(() => {
    step();
    warmUpWhenIdle(rest);
  }, STEP_TIMEOUT_MS, STEP_BUDGET_MS);
}
