/** Runs `task` when the main thread is idle (within `timeoutMs` at the latest), off the critical path of the page's frames. */
export function whenIdle(task: () => void, timeoutMs = 200): void {
  if (typeof window.requestIdleCallback === "function") window.requestIdleCallback(() => task(), { timeout: timeoutMs });
  else window.setTimeout(task, 0);
}
