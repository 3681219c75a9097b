import { afterEach, describe, expect, it } from "vitest";
import { openTempDatabase, type TempDatabase } from "../../test/support/temp-stores.js";
import { createApiKeyStore, type ApiKeyStore } from "../store/index.js";
import { ANONYMOUS, Authenticator } from "./authenticate.js";

/** A store with no keys: the gateway is keyless, and only its own loopback origin may call it. */
const noKeys = { totalCount: () => 0 } as unknown as ApiKeyStore;
const PORT = 40429;

function call(headers: Record<string, string>, localPort: number | undefined = PORT) {
  return () => new Authenticator(noKeys).authenticate({ headers, socket: { localPort } });
}

describe("a keyless gateway's caller check", () => {
  it("accepts loopback Hosts and its own pages", () => {
    expect(call({ host: `127.0.0.1:${PORT}` })()).toBe(ANONYMOUS);
    expect(call({ host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` })()).toBe(ANONYMOUS);
    expect(call({ host: `[::1]:${PORT}`, origin: `http://[::1]:${PORT}` })()).toBe(ANONYMOUS);
    // Some clients leave the port out of Host.
    expect(call({ host: "127.0.0.1" })()).toBe(ANONYMOUS);
  });

  it("refuses a page of another local server (another port) and a Host naming another port", () => {
    expect(call({ host: `127.0.0.1:${PORT}`, origin: `http://127.0.0.1:${PORT + 1}` })).toThrow(/own port/);
    expect(call({ host: `127.0.0.1:${PORT}`, origin: "http://127.0.0.1" })).toThrow(/own port/);
    expect(call({ host: `127.0.0.1:${PORT + 1}` })).toThrow(/own port/);
  });

  it("refuses other names (DNS rebinding) and other sites", () => {
    expect(call({ host: `evil.example:${PORT}` })).toThrow(/host|localhost/i);
    expect(call({ host: `127.0.0.1:${PORT}`, origin: `http://evil.example:${PORT}` })).toThrow(/localhost/);
    expect(call({ host: `127.0.0.1:${PORT}`, origin: "null" })).toThrow(/localhost/);
  });
});

describe("the key forms of each vendor's clients", () => {
  const info = { id: "key-1", name: "bot", limits: {} };
  const oneKey = { totalCount: () => 1, verify: (key: string) => (key === "sk-good" ? info : undefined), touch: () => undefined } as unknown as ApiKeyStore;
  const principal = (headers: Record<string, string>, url?: string) => () => new Authenticator(oneKey).authenticate({ headers, url });

  it("takes Bearer, x-api-key (Claude Code), x-goog-api-key and ?key= on the Gemini routes", () => {
    expect(principal({ authorization: "Bearer sk-good" })().id).toBe("key-1");
    expect(principal({ "x-api-key": "sk-good" })().id).toBe("key-1");
    expect(principal({ "x-goog-api-key": "sk-good" })().id).toBe("key-1");
    expect(principal({}, "/v1beta/models/m:generateContent?alt=sse&key=sk-good")().id).toBe("key-1");
  });

  it("reads ?key= nowhere else, and never repeats a wrong key", () => {
    expect(principal({}, "/v1/chat/completions?key=sk-good")).toThrow(/No API key given/);
    expect(principal({ "x-goog-api-key": "sk-bad-secret" })).toThrow(/not valid/);
    expect(principal({ "x-goog-api-key": "sk-bad-secret" })).not.toThrow(/sk-bad-secret/);
  });
});

describe("a principal checked again after its handshake (a WebSocket's)", () => {
  let temp: TempDatabase | undefined;
  afterEach(() => temp?.close());

  it("refuses a key once revoked, at once, and anonymous once any key exists (after the count's second)", () => {
    temp = openTempDatabase("spark-auth-refusal-");
    const keys = createApiKeyStore(temp.db);
    let now = 0;
    const auth = new Authenticator(keys, () => now);
    expect(auth.refusal(ANONYMOUS)).toBeUndefined();
    const { secret } = keys.create({ name: "alice" });
    // The key count is cached for a second: anonymous stays valid until it is reread.
    expect(auth.refusal(ANONYMOUS)).toBeUndefined();
    now += 1000;
    expect(auth.refusal(ANONYMOUS)?.code).toBe("missing_api_key");

    const alice = auth.authenticate({ headers: { authorization: `Bearer ${secret}` } });
    expect(auth.refusal(alice)).toBeUndefined();
    expect(keys.revoke("alice")).toBe(true);
    // No cache for a key: its very next check fails, with the 401 HTTP would answer.
    expect(auth.refusal(alice)).toMatchObject({ status: 401, code: "invalid_api_key" });
    // A new key of the same name is another key: the revoked one stays refused.
    keys.create({ name: "alice" });
    expect(auth.refusal(alice)?.code).toBe("invalid_api_key");
  });
});
