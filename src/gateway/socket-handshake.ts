import { GatewayError } from "./openai-error.js";

/**
 * What a browser may present at the Responses WebSocket's handshake. A page cannot set headers on a
 * WebSocket, so it authenticates as OpenAI's browser Realtime clients do: the key rides in one
 * `Sec-WebSocket-Protocol` entry (`spark.key.<base64url key>`) beside the protocol's name, and the
 * gateway answers with the name only, so the key is never echoed. The key never goes in the URL (logged
 * by proxies and kept in the browser's history).
 */

/** The protocol the gateway echoes: the Responses events, plus `spark.rate_limits` before each response. */
export const SPARK_SOCKET_PROTOCOL = "spark.responses.v1";
export const SOCKET_KEY_PREFIX = "spark.key.";

/** Far longer than any key Spark makes (`sk-spark-` + 43 characters), short enough to bound the work. */
const MAX_KEY_ENTRY_LENGTH = 512;

type Headers = Record<string, string | string[] | undefined>;

export interface SocketHandshake {
  /** The protocol to echo, when the client offered it. */
  protocol: string | undefined;
  /** The key from the `spark.key.` entry, when there was one. */
  key: string | undefined;
}

/** The offered protocols, as the comma-separated header (or repeated headers) lists them. */
function offeredProtocols(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values.flatMap((value) => value.split(",")).map((entry) => entry.trim()).filter((entry) => entry !== "");
}

function refusedEntry(message: string): GatewayError {
  return new GatewayError(400, message, "invalid_subprotocol", "sec-websocket-protocol");
}

/** The key of one `spark.key.` entry; the messages name what is wrong, never the entry itself. */
function decodeKey(entry: string): string {
  const encoded = entry.slice(SOCKET_KEY_PREFIX.length);
  if (encoded.length === 0 || encoded.length > MAX_KEY_ENTRY_LENGTH || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    throw refusedEntry(`The '${SOCKET_KEY_PREFIX}' entry of Sec-WebSocket-Protocol must hold the API key in base64url (A-Z, a-z, 0-9, '-', '_', no padding), at most ${MAX_KEY_ENTRY_LENGTH} characters.`);
  }
  const key = Buffer.from(encoded, "base64url").toString("utf8");
  // Printable ASCII only, and exactly what was encoded (no stray bits in the last character).
  if (!/^[\x21-\x7e]+$/.test(key) || Buffer.from(key, "utf8").toString("base64url") !== encoded) {
    throw refusedEntry(`The '${SOCKET_KEY_PREFIX}' entry of Sec-WebSocket-Protocol does not decode to an API key: encode the key's UTF-8 bytes as base64url without padding.`);
  }
  return key;
}

/** Whether the request also carries a key in a header (Authorization, x-api-key, api-key, x-goog-api-key). */
function hasHeaderKey(headers: Headers): boolean {
  return ["authorization", "x-api-key", "api-key", "x-goog-api-key"].some((name) => headers[name] !== undefined);
}

/**
 * Reads the offered protocols: at most one key entry, only beside `spark.responses.v1` (a browser fails a
 * handshake whose answer names no offered protocol, and the key entry must never be the one named), and
 * not beside a key in a header (one request, one key).
 */
export function readSocketHandshake(headers: Headers): SocketHandshake {
  const offered = offeredProtocols(headers["sec-websocket-protocol"]);
  const keyEntries = offered.filter((entry) => entry.startsWith(SOCKET_KEY_PREFIX));
  const protocol = offered.includes(SPARK_SOCKET_PROTOCOL) ? SPARK_SOCKET_PROTOCOL : undefined;
  if (keyEntries.length === 0) return { protocol, key: undefined };
  if (keyEntries.length > 1) throw refusedEntry(`Sec-WebSocket-Protocol holds ${keyEntries.length} '${SOCKET_KEY_PREFIX}' entries: offer exactly one key.`);
  if (protocol === undefined) throw refusedEntry(`A '${SOCKET_KEY_PREFIX}' entry needs '${SPARK_SOCKET_PROTOCOL}' offered beside it: the gateway answers with that name, never with the key.`);
  if (hasHeaderKey(headers)) throw refusedEntry(`The request presents a key in a header and in Sec-WebSocket-Protocol: present it once (browsers: the '${SOCKET_KEY_PREFIX}' entry; other clients: Authorization).`);
  return { protocol, key: decodeKey(keyEntries[0] ?? "") };
}

/** The host and port an origin or Host header names, default ports written out, for comparison. */
function hostOf(value: string, scheme: string): string | undefined {
  try {
    const url = new URL(`${scheme}//${value}`);
    return `${url.hostname.toLowerCase()}:${url.port === "" ? (scheme === "https:" ? "443" : "80") : url.port}`;
  } catch {
    return undefined;
  }
}

/**
 * Cross-site WebSocket hijacking: a browser sends every WebSocket handshake with its page's Origin and
 * applies no CORS to it, so any site the user visits could open the socket. A handshake that carries an
 * Origin (every browser's) is taken only from the gateway's own pages: the Origin must name the host and
 * port the request was sent to (its Host). The scheme counts only through a port it implies (an Origin
 * without a port against a Host with one): with both ports written out, an https page behind a TLS proxy
 * matches the Host the proxy passed on. Clients that are not browsers send no Origin.
 */
export function refuseCrossSiteSocket(headers: Headers): void {
  const origin = headers.origin;
  if (origin === undefined) return;
  let url: URL | undefined;
  try {
    url = typeof origin === "string" ? new URL(origin) : undefined;
  } catch {
    url = undefined;
  }
  const host = headers.host;
  const same = url !== undefined && (url.protocol === "http:" || url.protocol === "https:") && typeof host === "string" && hostOf(url.host, url.protocol) === hostOf(host, url.protocol);
  if (same) return;
  throw new GatewayError(
    403,
    "This WebSocket is open only to the gateway's own pages: the handshake's Origin must be the address the gateway is reached at (a guard against other web sites opening it through your browser). Open the web UI from the gateway itself; clients that are not browsers send no Origin. Behind a proxy, pass the original Host header on, port included (nginx: proxy_set_header Host $http_host).",
    "origin_not_allowed",
  );
}
