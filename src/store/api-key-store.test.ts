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
