import type { MemberBackend } from "./backend.js";
import type { UpstreamPool } from "./upstream-pool.js";

/** Longest wait for one probe's answer. */
const PROBE_TIMEOUT_MS = 5_000;

async function probeOnce(pool: UpstreamPool<MemberBackend>, signal: AbortSignal): Promise<void> {
  await Promise.all(
    pool.replicas.map(async (replica) => {
      const handle = replica.handle;
      if (handle?.kind !== "upstream" || signal.aborted) return;
      const url = `${handle.target.baseUrl.replace(/\/+$/, "")}/models`;
      const headers: Record<string, string> = handle.apiKey ? { authorization: `Bearer ${handle.apiKey}` } : {};
      try {
        const answer = await fetch(url, { headers, signal: AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]), redirect: "manual" });
        await answer.body?.cancel();
        if (signal.aborted) return;
        if (answer.status >= 500 || answer.status === 429) pool.fault(replica, `the probe of /models answered ${answer.status}`);
        else pool.recovered(replica);
      } catch (error) {
        if (signal.aborted) return;
        pool.fault(replica, `the probe of /models failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}

/**
 * Active health checks of a pool's upstream replicas: every `intervalMs`, GET {base_url}/models. A replica
 * that does not answer (or answers 5xx or 429) cools down like one whose request failed; one in cool-down
 * that answers is re-admitted at once. Any other answer (a 401 or 404 from a server without /models) counts
 * as alive. Stops when `signal` aborts.
 */
export function startPoolProbes(pool: UpstreamPool<MemberBackend>, intervalMs: number, signal: AbortSignal): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void probeOnce(pool, signal).finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}
