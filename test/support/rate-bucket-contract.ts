/**
 * The behaviour every RateBucketStore must have, as one vitest suite that each store's test file runs
 * (rate-bucket-sqlite.test.ts, rate-bucket-redis.test.ts). Time is a hand-moved clock given to every
 * store a test opens; nothing sleeps.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { BucketLimits, BucketState, RateBucketStore, ReserveRequest, ReserveResult, WindowState } from "../../src/store/rate-bucket-store.js";
import { FIVE_HOURS_MS, MINUTE_MS, RETRY_NEVER, WEEK_MS } from "../../src/store/rate-bucket-windows.js";

export interface RateBucketBackend {
  /** Opens one more store (a new connection) on the backend; all stores of a backend share buckets. */
  open(clock: () => number): Promise<RateBucketStore>;
  /** Frees what the backend holds; the harness has closed every store it opened by then. */
  cleanup(): Promise<void>;
}

const T0 = Date.UTC(2030, 0, 7, 12, 0, 0);
const HOUR_MS = 60 * MINUTE_MS;

export function describeRateBucketContract(name: string, makeBackend: () => Promise<RateBucketBackend>, skipReason?: string): void {
  const title = skipReason === undefined ? `RateBucketStore contract: ${name}` : `RateBucketStore contract: ${name} (skipped: ${skipReason})`;
  describe.skipIf(skipReason !== undefined)(title, () => {
    let now = T0;
    const clock = (): number => now;
    let backend: RateBucketBackend | undefined;
    const opened: RateBucketStore[] = [];

    async function open(): Promise<RateBucketStore> {
      backend ??= await makeBackend();
      const store = await backend.open(clock);
      opened.push(store);
      return store;
    }

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await backend?.cleanup();
      backend = undefined;
      now = T0;
    });

    const at = (offsetMs: number): void => {
      now = T0 + offsetMs;
    };
    const req = (tokens: number, limits: BucketLimits, key = "key-1", family = "spark"): ReserveRequest => ({ key, family, tokens, limits });
    const win = (state: BucketState, window: WindowState["window"]): WindowState => {
      const found = state.windows.find((w) => w.window === window);
      if (found === undefined) throw new Error(`no ${window} in ${JSON.stringify(state)}`);
      return found;
    };
    function refused(result: ReserveResult): Extract<ReserveResult, { ok: false }> {
      if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result)}`);
      return result;
    }
    function accepted(result: ReserveResult): Extract<ReserveResult, { ok: true }> {
      if (!result.ok) throw new Error(`expected a reservation, got ${JSON.stringify(result)}`);
      return result;
    }

    it("reports only the windows that have a limit, in a fixed order", async () => {
      const store = await open();
      expect(accepted(await store.reserve(req(5, {}))).state).toEqual({ key: "key-1", family: "spark", windows: [] });
      const weekOnly = accepted(await store.reserve(req(5, { tokensPerWeek: 1000 })));
      expect(weekOnly.state.windows).toEqual([{ window: "tokens-per-week", limit: 1000, used: 10, remaining: 990, resetMs: WEEK_MS }]);
      const all: BucketLimits = { tokensPerWeek: 1000, tokensPer5Hours: 500, tokensPerMinute: 100, requestsPerMinute: 10 };
      const state = await store.state("key-1", "spark", all);
      expect(state.windows.map((w) => [w.window, w.used])).toEqual([
        ["requests-per-minute", 2],
        ["tokens-per-minute", 10],
        ["tokens-per-5-hours", 10],
        ["tokens-per-week", 10],
      ]);
      expect((await store.state("key-1", "spark", {})).windows).toEqual([]);
    });

    it("requests per minute: refuses the request over the limit, naming the window, until the oldest ages out", async () => {
      const store = await open();
      const limits = { requestsPerMinute: 3 };
      for (const offset of [0, 1000, 2000]) {
        at(offset);
        accepted(await store.reserve(req(5, limits)));
      }
      at(5000);
      const refusal = refused(await store.reserve(req(5, limits)));
      expect(refusal.window).toBe("requests-per-minute");
      expect(refusal.retryAfterMs).toBe(55_000);
      expect(refusal.state.windows).toEqual([{ window: "requests-per-minute", limit: 3, used: 3, remaining: 0, resetMs: 55_000 }]);
      at(MINUTE_MS - 1);
      expect(refused(await store.reserve(req(5, limits))).retryAfterMs).toBe(1);
      at(MINUTE_MS);
      const ok = accepted(await store.reserve(req(5, limits)));
      expect(win(ok.state, "requests-per-minute")).toEqual({ window: "requests-per-minute", limit: 3, used: 3, remaining: 0, resetMs: 1000 });
    });

    it("tokens per minute: retryAfterMs is the time until enough of the oldest charges have aged out", async () => {
      const store = await open();
      const limits = { tokensPerMinute: 100 };
      const first = accepted(await store.reserve(req(60, limits)));
      expect(first.state.windows).toEqual([{ window: "tokens-per-minute", limit: 100, used: 60, remaining: 40, resetMs: MINUTE_MS }]);
      at(10_000);
      accepted(await store.reserve(req(30, limits)));
      at(20_000);
      const refusal = refused(await store.reserve(req(20, limits)));
      expect(refusal).toMatchObject({ window: "tokens-per-minute", retryAfterMs: 40_000 });
      expect(refusal.state.windows).toEqual([{ window: "tokens-per-minute", limit: 100, used: 90, remaining: 10, resetMs: 40_000 }]);
      expect(win(accepted(await store.reserve(req(10, limits))).state, "tokens-per-minute")).toMatchObject({ used: 100, remaining: 0 });
      accepted(await store.reserve(req(0, limits))); // nothing to add: fits a full window
      // 35 more needs 35 to age out: the 60 at T0 (at 60 s). 95 more needs 95: 60 + 30 + 10 (the one at 20 s).
      expect(refused(await store.reserve(req(35, limits))).retryAfterMs).toBe(40_000);
      expect(refused(await store.reserve(req(95, limits))).retryAfterMs).toBe(60_000);
      at(MINUTE_MS);
      expect(win(accepted(await store.reserve(req(35, limits))).state, "tokens-per-minute")).toMatchObject({ used: 75, remaining: 25 });
    });

    it("refuses a request larger than the limit with RETRY_NEVER, even in an empty bucket", async () => {
      const store = await open();
      const tooBig = refused(await store.reserve(req(101, { tokensPerMinute: 100 })));
      expect(tooBig).toMatchObject({ window: "tokens-per-minute", retryAfterMs: RETRY_NEVER });
      expect(tooBig.state.windows).toEqual([{ window: "tokens-per-minute", limit: 100, used: 0, remaining: 100, resetMs: 0 }]);
      expect(refused(await store.reserve(req(1, { requestsPerMinute: 0 })))).toMatchObject({ window: "requests-per-minute", retryAfterMs: RETRY_NEVER });
      accepted(await store.reserve(req(0, { tokensPerMinute: 0 })));
      // A window the request can never fit is named before one that only needs time.
      accepted(await store.reserve(req(100, { tokensPer5Hours: 150 })));
      const both = refused(await store.reserve(req(100, { tokensPerMinute: 50, tokensPer5Hours: 150 })));
      expect(both).toMatchObject({ window: "tokens-per-minute", retryAfterMs: RETRY_NEVER });
    });

    it("the 5-hour and weekly windows slide with the clock", async () => {
      const store = await open();
      const limits = { tokensPer5Hours: 1000, tokensPerWeek: 1500 };
      accepted(await store.reserve(req(600, limits)));
      at(4 * HOUR_MS);
      const refusal = refused(await store.reserve(req(500, limits)));
      expect(refusal).toMatchObject({ window: "tokens-per-5-hours", retryAfterMs: HOUR_MS });
      expect(refusal.state.windows).toEqual([
        { window: "tokens-per-5-hours", limit: 1000, used: 600, remaining: 400, resetMs: HOUR_MS },
        { window: "tokens-per-week", limit: 1500, used: 600, remaining: 900, resetMs: WEEK_MS - 4 * HOUR_MS },
      ]);
      at(FIVE_HOURS_MS);
      accepted(await store.reserve(req(500, limits)));
      at(6 * HOUR_MS);
      const weekly = refused(await store.reserve(req(500, limits)));
      expect(weekly).toMatchObject({ window: "tokens-per-week", retryAfterMs: WEEK_MS - 6 * HOUR_MS });
      expect(win(weekly.state, "tokens-per-5-hours")).toMatchObject({ used: 500, remaining: 500 });
      at(WEEK_MS);
      const later = accepted(await store.reserve(req(500, limits)));
      expect(win(later.state, "tokens-per-week")).toMatchObject({ used: 1000, remaining: 500 });
    });

    it("names the window that frees up last when several refuse, and charges nothing for a refusal", async () => {
      const store = await open();
      const limits = { requestsPerMinute: 10, tokensPerMinute: 100, tokensPer5Hours: 150 };
      accepted(await store.reserve(req(100, limits)));
      at(30_000);
      expect(refused(await store.reserve(req(60, limits)))).toMatchObject({ window: "tokens-per-5-hours", retryAfterMs: FIVE_HOURS_MS - 30_000 });
      at(2 * MINUTE_MS);
      const refusal = refused(await store.reserve(req(60, limits)));
      expect(refusal).toMatchObject({ window: "tokens-per-5-hours", retryAfterMs: FIVE_HOURS_MS - 2 * MINUTE_MS });
      expect(refusal.state.windows.map((w) => [w.window, w.used])).toEqual([
        ["requests-per-minute", 0],
        ["tokens-per-minute", 0],
        ["tokens-per-5-hours", 100],
      ]);
      const state = await store.state("key-1", "spark", limits);
      expect(state.windows.map((w) => w.used)).toEqual([0, 0, 100]);
    });

    it("settle replaces the reserved tokens exactly once, lower or higher", async () => {
      const store = await open();
      const limits = { tokensPerMinute: 150 };
      const first = accepted(await store.reserve(req(100, limits)));
      await store.settle(first.reservationId, 30);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute")).toMatchObject({ used: 30, remaining: 120 });
      await store.settle(first.reservationId, 80);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute").used).toBe(30);
      await store.settle(first.reservationId, 0);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute").used).toBe(30);
      at(1000);
      const second = accepted(await store.reserve(req(10, limits)));
      await store.settle(second.reservationId, 120);
      await store.settle(second.reservationId, 10);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute")).toMatchObject({ used: 150, remaining: 0, resetMs: 59_000 });
      expect(refused(await store.reserve(req(1, limits)))).toMatchObject({ window: "tokens-per-minute", retryAfterMs: 59_000 });
      for (const unknown of ["", "no-such-reservation", "a|b", `${first.reservationId}x`]) await store.settle(unknown, 5);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute").used).toBe(150);
      at(MINUTE_MS + 1000);
      expect(win(await store.state("key-1", "spark", limits), "tokens-per-minute")).toMatchObject({ used: 0, remaining: 150, resetMs: 0 });
    });

    it("a settle after a window has slid past the charge changes only the windows it is still in", async () => {
      const store = await open();
      const limits = { tokensPerMinute: 1000, tokensPer5Hours: 1000 };
      const first = accepted(await store.reserve(req(100, limits)));
      at(2 * MINUTE_MS);
      await store.settle(first.reservationId, 40);
      let state = await store.state("key-1", "spark", limits);
      expect(state.windows.map((w) => w.used)).toEqual([0, 40]);
      const second = accepted(await store.reserve(req(50, limits)));
      at(4 * MINUTE_MS);
      await store.settle(second.reservationId, 500);
      state = await store.state("key-1", "spark", limits);
      expect(state.windows.map((w) => w.used)).toEqual([0, 540]);
      at(4 * MINUTE_MS + 10);
      expect(accepted(await store.reserve(req(460, limits))).state.windows.map((w) => w.used)).toEqual([460, 1000]);
    });

    it("keeps a separate bucket per key and per family: one family never eats another's quota", async () => {
      const store = await open();
      const limits = { requestsPerMinute: 2, tokensPerMinute: 100 };
      accepted(await store.reserve(req(100, limits, "key-a", "spark")));
      expect(refused(await store.reserve(req(1, limits, "key-a", "spark"))).window).toBe("tokens-per-minute");
      expect((await store.state("key-a", "standard", limits)).windows.map((w) => w.used)).toEqual([0, 0]);
      expect(win(accepted(await store.reserve(req(100, limits, "key-a", "standard"))).state, "tokens-per-minute").used).toBe(100);
      expect((await store.state("key-a", "spark", limits)).windows.map((w) => w.used)).toEqual([1, 100]);
      expect((await store.state("key-b", "spark", limits)).windows.map((w) => w.used)).toEqual([0, 0]);
      accepted(await store.reserve(req(100, limits, "key-b", "spark")));
      // Names that look like separators stay apart.
      const odd = { key: "k:1|{x}", family: "fam ily/é" };
      accepted(await store.reserve(req(7, limits, odd.key, odd.family)));
      expect(win(await store.state(odd.key, odd.family, limits), "tokens-per-minute").used).toBe(7);
      expect(win(await store.state("k", "1|{x}:fam ily/é", limits), "tokens-per-minute").used).toBe(0);
      expect((await store.state("key-a", "spark", limits)).windows.map((w) => w.used)).toEqual([1, 100]);
    });

    it("hundreds of parallel reserves against one bucket: exactly the limit succeeds, totals exact", async () => {
      const stores = [await open(), await open(), await open(), await open()];
      const burst = async (count: number, request: ReserveRequest): Promise<ReserveResult[]> =>
        Promise.all(Array.from({ length: count }, (_, i) => stores[i % stores.length]!.reserve(request)));

      const byRequests = await burst(300, req(1, { requestsPerMinute: 120 }, "key-r"));
      expect(byRequests.filter((r) => r.ok)).toHaveLength(120);
      expect(byRequests.filter((r) => !r.ok).every((r) => !r.ok && r.window === "requests-per-minute")).toBe(true);

      const limits = { tokensPerMinute: 703, tokensPerWeek: 10_000 };
      const byTokens = await burst(400, req(7, limits, "key-t"));
      const ok = byTokens.filter((r): r is Extract<ReserveResult, { ok: true }> => r.ok);
      expect(ok).toHaveLength(100);
      expect(new Set(ok.map((r) => r.reservationId)).size).toBe(100);
      expect((await stores[0]!.state("key-t", "spark", limits)).windows.map((w) => w.used)).toEqual([700, 700]);

      // Every reservation settled twice at once, from different stores, to 3 and to 9: one of them lands.
      await Promise.all(ok.flatMap((r, i) => [stores[i % 4]!.settle(r.reservationId, 3), stores[(i + 1) % 4]!.settle(r.reservationId, 9)]));
      const settled = (await stores[1]!.state("key-t", "spark", limits)).windows.map((w) => w.used);
      expect(settled[0]).toBe(settled[1]);
      const used = settled[0]!;
      expect(used >= 300 && used <= 900 && (used - 300) % 6 === 0).toBe(true);
      // Later settles change nothing.
      await Promise.all(ok.map((r, i) => stores[i % 4]!.settle(r.reservationId, 1)));
      expect((await stores[2]!.state("key-t", "spark", limits)).windows.map((w) => w.used)).toEqual([used, used]);
      // What the settles freed is exactly what new reservations get.
      const refill = await burst(200, req(7, limits, "key-t"));
      const fits = Math.floor((703 - used) / 7);
      expect(refill.filter((r) => r.ok)).toHaveLength(fits);
      expect((await stores[3]!.state("key-t", "spark", limits)).windows.map((w) => w.used)).toEqual([used + 7 * fits, used + 7 * fits]);
    });

    it("lists every bucket with usage in the last week", async () => {
      const store = await open();
      accepted(await store.reserve(req(5, {}, "key-b", "standard")));
      accepted(await store.reserve(req(5, { tokensPerWeek: 10 }, "key-a", "spark")));
      refused(await store.reserve(req(50, { tokensPerWeek: 10 }, "key-c", "spark")));
      await store.state("key-d", "spark", { tokensPerWeek: 10 });
      expect(await store.buckets()).toEqual([
        { key: "key-a", family: "spark" },
        { key: "key-b", family: "standard" },
      ]);
      at(WEEK_MS - 1);
      expect(await store.buckets()).toHaveLength(2);
      at(WEEK_MS + 1);
      accepted(await store.reserve(req(5, {}, "key-b", "standard")));
      expect(await store.buckets()).toEqual([{ key: "key-b", family: "standard" }]);
    });

    it("a bucket idle for longer than a week starts empty", async () => {
      const store = await open();
      const limits = { requestsPerMinute: 1, tokensPerMinute: 100, tokensPer5Hours: 100, tokensPerWeek: 150 };
      const first = accepted(await store.reserve(req(100, limits)));
      at(8 * 24 * HOUR_MS);
      expect((await store.state("key-1", "spark", limits)).windows.map((w) => w.used)).toEqual([0, 0, 0, 0]);
      await store.settle(first.reservationId, 150); // too old to count anywhere
      const again = accepted(await store.reserve(req(100, limits)));
      expect(again.state.windows.map((w) => w.used)).toEqual([1, 100, 100, 100]);
    });

    it("rejects token counts and limits that cannot be metered", async () => {
      const store = await open();
      for (const tokens of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.reserve(req(tokens, {}))).rejects.toThrow(/whole number/);
      }
      await expect(store.reserve(req(1, { tokensPerMinute: -5 }))).rejects.toThrow(/tokens-per-minute/);
      await expect(store.state("key-1", "spark", { requestsPerMinute: 0.5 })).rejects.toThrow(/requests-per-minute/);
      await expect(store.settle("whatever", -3)).rejects.toThrow(/whole number/);
    });
  });
}
