import { describe, expect, it } from "vitest";
import { createApiKeyStore } from "./api-key-store.js";
import { openDatabase } from "./database.js";

describe("API key store", () => {
  it("stores only a salted hash, verifies the key, refuses a changed or revoked one", () => {
    const db = openDatabase(":memory:");
    const keys = createApiKeyStore(db);
    const { info, secret } = keys.create({ name: "ci", limits: { spark: { requestsPerMinute: 5 } } });
    expect(secret.startsWith(`sk-spark-${info.id}_`)).toBe(true);
    const row = db.prepare("SELECT * FROM api_keys").get() as Record<string, string>;
    expect(JSON.stringify(row)).not.toContain(secret.slice(-43));
    expect(keys.verify(secret)?.limits).toEqual({ spark: { requestsPerMinute: 5 } });
    expect(keys.verify(`${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
    expect(keys.verify("sk-nonsense")).toBeUndefined();
    expect(keys.activeCount()).toBe(1);
    expect(keys.revoke("ci")).toBe(true);
    expect(keys.verify(secret)).toBeUndefined();
    expect(keys.activeCount()).toBe(0);
    expect(keys.totalCount()).toBe(1);
    // The name is free again once revoked.
    expect(keys.create({ name: "ci" }).info.name).toBe("ci");
    expect(() => keys.create({ name: "ci" })).toThrow(/already exists/);
    db.close();
  });
});

describe("API key lookups in constant time", () => {
  it("takes as long for an unknown key id as for a known one with a wrong secret", () => {
    const db = openDatabase(":memory:");
    const keys = createApiKeyStore(db);
    for (let index = 0; index < 20; index++) keys.create({ name: `k${index}`, limits: { "*": { requestsPerMinute: 5, tokensPerMinute: 1000 } } });
    const { secret } = keys.create({ name: "target", limits: { spark: { requestsPerMinute: 5 } } });
    const knownId = `${secret.slice(0, -4)}AAAA`;
    const unknownId = `sk-spark-0123456789abcdef_${secret.slice(-43, -4)}AAAA`;
    const samples = { known: [] as number[], unknown: [] as number[] };
    // Interleaved, medians: load on the machine slows both alike. Bounded: 4,000 rounds of ~6 µs each.
    for (let round = 0; round < 4000; round++) {
      for (const [kind, key] of [["known", knownId], ["unknown", unknownId]] as const) {
        const started = process.hrtime.bigint();
        keys.verify(key);
        samples[kind].push(Number(process.hrtime.bigint() - started));
      }
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;
    const ratio = median(samples.known) / median(samples.unknown);
    // Before the decoy row a known id took about twice as long (the row read and decoded).
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
    db.close();
  });
});
