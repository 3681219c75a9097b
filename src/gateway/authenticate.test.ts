import { describe, expect, it } from "vitest";
import type { ApiKeyStore } from "../store/index.js";
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
