import { describe, expect, it } from "vitest";
import { GatewayError } from "./openai-error.js";
import { readSocketHandshake, refuseCrossSiteSocket, SOCKET_KEY_PREFIX, SPARK_SOCKET_PROTOCOL } from "./socket-handshake.js";

const KEY = "sk-spark-AbC_123-xyz";
const entry = (key: string) => `${SOCKET_KEY_PREFIX}${Buffer.from(key, "utf8").toString("base64url")}`;

function refusal(action: () => unknown): GatewayError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("readSocketHandshake (the Sec-WebSocket-Protocol entries a browser offers)", () => {
  it("reads the key of a spark.key. entry beside the protocol name, in either order, spaces or not", () => {
    for (const header of [`${SPARK_SOCKET_PROTOCOL}, ${entry(KEY)}`, `${entry(KEY)},${SPARK_SOCKET_PROTOCOL}`, [SPARK_SOCKET_PROTOCOL, entry(KEY)]]) {
      expect(readSocketHandshake({ "sec-websocket-protocol": header })).toEqual({ protocol: SPARK_SOCKET_PROTOCOL, key: KEY });
    }
  });

  it("takes no key without an entry, and no protocol when it was not offered", () => {
    expect(readSocketHandshake({})).toEqual({ protocol: undefined, key: undefined });
    expect(readSocketHandshake({ "sec-websocket-protocol": SPARK_SOCKET_PROTOCOL })).toEqual({ protocol: SPARK_SOCKET_PROTOCOL, key: undefined });
    expect(readSocketHandshake({ "sec-websocket-protocol": "chat, superchat" })).toEqual({ protocol: undefined, key: undefined });
  });

  it("refuses a key entry without the protocol name, two key entries, and a key in a header as well", () => {
    expect(refusal(() => readSocketHandshake({ "sec-websocket-protocol": entry(KEY) })).code).toBe("invalid_subprotocol");
    expect(refusal(() => readSocketHandshake({ "sec-websocket-protocol": `${SPARK_SOCKET_PROTOCOL}, ${entry(KEY)}, ${entry("sk-other")}` })).message).toContain("exactly one key");
    const both = refusal(() => readSocketHandshake({ "sec-websocket-protocol": `${SPARK_SOCKET_PROTOCOL}, ${entry(KEY)}`, authorization: `Bearer ${KEY}` }));
    expect(both.status).toBe(400);
  });

  it("refuses entries that are not base64url of a printable key, and never repeats the entry", () => {
    const bad = [
      `${SOCKET_KEY_PREFIX}`,
      `${SOCKET_KEY_PREFIX}c2stc3Bhcms=`, // padded
      `${SOCKET_KEY_PREFIX}c2st+3Bhcms`, // base64, not base64url
      `${SOCKET_KEY_PREFIX}${"A".repeat(513)}`,
      entry("sk spark"), // a space is not part of any key
      entry("sk-\u00e9"), // not ASCII
      `${SOCKET_KEY_PREFIX}c2stc3Bhcmt`, // stray bits in the last character: not what any key encodes to
    ];
    for (const value of bad) {
      const error = refusal(() => readSocketHandshake({ "sec-websocket-protocol": `${SPARK_SOCKET_PROTOCOL}, ${value}` }));
      expect(error.code).toBe("invalid_subprotocol");
      expect(error.message).not.toContain(value.slice(SOCKET_KEY_PREFIX.length) || "\u0000");
    }
  });
});

describe("refuseCrossSiteSocket (CSWSH)", () => {
  it("lets through clients without an Origin and the gateway's own pages", () => {
    expect(() => refuseCrossSiteSocket({ host: "127.0.0.1:8787" })).not.toThrow();
    expect(() => refuseCrossSiteSocket({ host: "127.0.0.1:8787", origin: "http://127.0.0.1:8787" })).not.toThrow();
    expect(() => refuseCrossSiteSocket({ host: "Spark.Example.com", origin: "https://spark.example.com" })).not.toThrow();
    expect(() => refuseCrossSiteSocket({ host: "spark.example.com:443", origin: "https://spark.example.com" })).not.toThrow();
    expect(() => refuseCrossSiteSocket({ host: "[::1]:9000", origin: "http://[::1]:9000" })).not.toThrow();
  });

  it("refuses other sites, other ports, a scheme whose implied port differs, opaque origins and a missing Host", () => {
    // The scheme is compared only through a port it implies (https: 443, http: 80): an Origin of
    // https://host and a Host of host:80 differ. With the port written out the scheme is not compared, so
    // a TLS proxy in front of the gateway (https page, Host passed on with its port) is let through.
    const refused = [
      { host: "127.0.0.1:8787", origin: "https://evil.example" },
      { host: "127.0.0.1:8787", origin: "http://127.0.0.1:8788" },
      { host: "127.0.0.1:8787", origin: "http://localhost:8787" },
      { host: "spark.example.com:80", origin: "https://spark.example.com" },
      { host: "127.0.0.1:8787", origin: "null" },
      { host: "127.0.0.1:8787", origin: "file://" },
      { origin: "http://127.0.0.1:8787" },
    ];
    for (const headers of refused) expect(refusal(() => refuseCrossSiteSocket(headers)).code).toBe("origin_not_allowed");
    expect(() => refuseCrossSiteSocket({ host: "127.0.0.1:8787", origin: "https://127.0.0.1:8787" })).not.toThrow();
  });
});

describe("the web UI's side of the handshake", () => {
  it("offers the protocol name and key prefix the gateway reads, and its encoding decodes to the key", async () => {
    const web = await import("../web/responses-socket.js");
    expect([web.SPARK_SOCKET_PROTOCOL, web.SOCKET_KEY_PREFIX]).toEqual([SPARK_SOCKET_PROTOCOL, SOCKET_KEY_PREFIX]);
    for (const key of [KEY, "sk-spark-x", "sk-spark-xy", "sk-spark-xyz", "k/+=?~"]) {
      const offered = `${web.SPARK_SOCKET_PROTOCOL}, ${web.keyProtocol(key)}`;
      expect(/^[A-Za-z0-9._-]+$/.test(web.keyProtocol(key))).toBe(true);
      expect(readSocketHandshake({ "sec-websocket-protocol": offered })).toEqual({ protocol: SPARK_SOCKET_PROTOCOL, key });
    }
  });
});
