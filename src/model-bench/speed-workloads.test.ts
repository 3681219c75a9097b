import { afterEach, describe, expect, it } from "vitest";
import { SCRIPTED_MODEL, startScriptedServer, type ScriptedServer } from "../../test/support/scripted-openai-server.js";
import { createModelClient, type ModelClient } from "../models/index.js";
import type { CallResult } from "./run-call.js";
import { pairedSpeedups, speculationRows } from "./speed-workloads.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A remote client on a scripted server that answers the n-th request with `reply(n)`. */
async function scripted(reply: (index: number) => string): Promise<ModelClient> {
  server = await startScriptedServer((_request, index) => ({ kind: "text", chunks: [reply(index)] }));
  const target = { kind: "remote" as const, provider: "custom", model: SCRIPTED_MODEL, baseUrl: server.url, api: "chat" as const };
  return createModelClient({ name: SCRIPTED_MODEL, chain: [SCRIPTED_MODEL], target, settings: {} }, { env: {}, localEngine: () => Promise.reject(new Error("no local engine")), maxRetries: 0 });
}

const options = (client: ModelClient, rounds: number) => ({ plain: client, fast: client, source: "const a = 1;\n", maxTokens: 8, defaultLever: "prompt lookup", remote: true, rounds });

describe("speculationRows in rounds", () => {
  it("makes every call of every round, plain and lever in turn", async () => {
    const client = await scripted(() => "same answer");
    const rows = await speculationRows(options(client, 3));
    // A warm-up, then 3 rounds of plain, prediction and useless prediction.
    expect(server?.requests.length).toBe(1 + 3 * 3);
    expect(server?.requests.slice(1, 4).map((request) => request.body.prediction === undefined)).toEqual([true, false, false]);
    expect(rows.map((row) => row.identical)).toEqual([true, true]);
  });

  it("says not identical when any one call of any round answered differently", async () => {
    // Request 8 is the third round's prediction call.
    const client = await scripted((index) => (index === 8 ? "another answer" : "same answer"));
    const rows = await speculationRows(options(client, 3));
    expect(rows.map((row) => row.identical)).toEqual([false, true]);
  });
});

describe("pairedSpeedups", () => {
  const call = (decodeTokensPerSecond: number | null) => ({ metrics: { decodeTokensPerSecond } }) as CallResult;

  it("takes the median of each round's lever call over the same round's plain call, not the ratio of the medians", () => {
    // Round 2 ran while other work loaded the machine: both its calls are slow.
    const plain = [call(5), call(2), call(5)];
    const fast = [call(15), call(6), call(14)];
    const paired = pairedSpeedups(plain, fast);
    expect(paired?.ratios).toEqual([3, 3, 2.8]);
    expect(paired?.median).toBe(3);
  });

  it("skips rounds without a speed on either side and says null when none is left", () => {
    expect(pairedSpeedups([call(null), call(4)], [call(10), call(8)])?.ratios).toEqual([2]);
    expect(pairedSpeedups([call(null)], [call(10)])).toBeNull();
  });
});
