import { afterEach, describe, expect, it } from "vitest";
import { SCRIPTED_MODEL, startScriptedServer, type ScriptedServer } from "../../test/support/scripted-openai-server.js";
import { createModelClient, type ModelClient } from "../models/index.js";
import { speculationRows } from "./speed-workloads.js";

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
