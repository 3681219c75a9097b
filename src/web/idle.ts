/**
 * Runs `task` when the main thread is idle with at least `budgetMs` of the idle period left, or after
 * `timeoutMs` at the latest: off the critical path of the page's frames. The budget matters for work of a
 * few milliseconds (making a frame, highlighting): started at the end of an idle period, it would delay
 * the next frame instead of filling the gap before it.
 */
export function whenIdle(task: () => void, timeoutMs = 200, budgetMs = 0): void {
  if (typeof window.requestIdleCallback !== "function") {
    window.setTimeout(task, 0);
    return;
  }
  const due = performance.now() + timeoutMs;
  const attempt = (deadline: IdleDeadline) => {
    const left = due - performance.now();
    if (deadline.didTimeout || left <= 0 || deadline.timeRemaining() >= budgetMs) task();
    else window.requestIdleCallback(attempt, { timeout: left });
  };
  window.requestIdleCallback(attempt, { timeout: timeoutMs });
}

/** Resolves under the same terms as whenIdle. */
export function idle(timeoutMs: number, budgetMs: number): Promise<void> {
  return new Promise((resolve) => whenIdle(resolve, timeoutMs, budgetMs));
}

/**
 * Runs `step` in the page's next idle period, again while the period has `budgetMs` left and `step` returns
 * true (it has more to do), then `then`. After `timeoutMs` without an idle period, `then` runs at once
 * (where the browser has no idle callbacks too): work that can be done ahead of a frame is done before
 * it is requested, when the page has time, and never delays the frame by more than the timeout.
 */
export function inIdleThen(step: () => boolean, then: () => void, timeoutMs: number, budgetMs: number): void {
  if (typeof window.requestIdleCallback !== "function") {
    then();
    return;
  }
  window.requestIdleCallback(
    (deadline) => {
      while (deadline.timeRemaining() >= budgetMs && step());
      then();
    },
    { timeout: timeoutMs },
  );
}
