import type { ApiKeyStore, KeyLimits } from "../store/index.js";
import { GatewayError } from "./openai-error.js";

/** Who a request is charged to: an API key (by id and name, never the secret), or "anonymous" without keys. */
export interface Principal {
  id: string;
  name: string;
  limits: KeyLimits;
}

export const ANONYMOUS: Principal = { id: "anonymous", name: "anonymous", limits: {} };

type Headers = Record<string, string | string[] | undefined>;

/**
 * The `key` query parameter, as Google's APIs take it (Gemini clients may send the key so): on the Gemini
 * routes only, so no other client is led to put its key in a URL.
 */
function queryKey(url: string | undefined): string | undefined {
  const [path, query] = url?.split("?") ?? [];
  if (!query || !path?.startsWith("/v1beta/")) return undefined;
  const key = new URLSearchParams(query).get("key");
  return key !== null && key.trim() !== "" ? key.trim() : undefined;
}

/**
 * The key a request presents, in any of the forms its client's vendor uses: `Authorization: Bearer` (OpenAI,
 * Claude Code's ANTHROPIC_AUTH_TOKEN), `x-api-key` (Anthropic), `api-key` (Azure), `x-goog-api-key` or
 * `?key=` (Google). Only the key is kept; none of these is ever logged or passed to an upstream.
 */
function presentedKey(headers: Headers, url: string | undefined): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers["x-api-key"] ?? headers["api-key"] ?? headers["x-goog-api-key"];
  if (typeof apiKey === "string" && apiKey.trim() !== "") return apiKey.trim();
  return queryKey(url);
}

function missingKey(): GatewayError {
  return new GatewayError(
    401,
    "No API key given. This gateway requires one: send 'Authorization: Bearer sk-spark-...' (the OpenAI SDKs do this with apiKey; 'x-api-key' and 'x-goog-api-key' work too, as Claude Code and Gemini CLI send them). The gateway's operator creates keys with `spark keys create --name NAME`.",
    "missing_api_key",
  );
}

function invalidKey(): GatewayError {
  return new GatewayError(401, "The API key is not valid for this gateway (unknown, mistyped or revoked). Check the key, or ask the operator for a new one.", "invalid_api_key");
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The host and port of a Host header ("127.0.0.1:8787") or of an Origin ("http://localhost:8787"). */
function addressOf(value: string): { host: string; port: number | undefined } | undefined {
  try {
    const url = new URL(value.includes("://") ? value : `http://${value}`);
    const defaultPort = url.protocol === "https:" ? 443 : url.protocol === "http:" ? 80 : undefined;
    return { host: url.hostname.toLowerCase(), port: url.port === "" ? defaultPort : Number(url.port) };
  } catch {
    return undefined;
  }
}

/**
 * Whether a Host or Origin names this gateway: a loopback name and, when a port is known, the port the
 * request really arrived on. A Host without a port is let through (some clients leave out the port), an
 * Origin never lacks one (its scheme's default), so another local server's page is refused.
 */
function namesThisGateway(value: string | string[] | undefined, localPort: number | undefined, portRequired: boolean): boolean {
  if (typeof value !== "string") return false;
  const address = addressOf(value);
  if (address === undefined || !LOOPBACK_HOSTS.has(address.host)) return false;
  if (localPort === undefined) return true;
  if (address.port === undefined || (!portRequired && !/:\d+$/.test(value))) return !portRequired;
  return address.port === localPort;
}

/**
 * Without keys the gateway trusts whoever reaches its loopback port. A web page on another site can still
 * reach it from the user's browser by DNS rebinding (its own name resolving to 127.0.0.1), and a page of
 * another local server (another port of 127.0.0.1) is another origin too: such requests carry that name as
 * Host, or that site as Origin, and are refused.
 */
function refuseNonLoopbackCaller(caller: Caller): void {
  const { headers } = caller;
  const localPort = caller.socket?.localPort;
  const origin = headers.origin;
  if (namesThisGateway(headers.host, localPort, false) && (origin === undefined || namesThisGateway(origin, localPort, true))) return;
  throw new GatewayError(
    403,
    "This gateway has no API keys, so it answers only requests to localhost, 127.0.0.1 or [::1] on its own port, from its own pages (a guard against other web sites and other local servers' pages reaching it through your browser). Use http://127.0.0.1:PORT, or create a key with `spark keys create --name NAME` and send it.",
    "host_not_allowed",
  );
}

/** What authentication reads of a request: its headers and the local port it arrived on (Node's IncomingMessage). */
export interface Caller {
  headers: Headers;
  /** The request's path and query (a Gemini client may send its key as `?key=`). */
  url?: string | undefined;
  /** A key presented outside the headers: a browser's WebSocket sends it in a subprotocol entry (socket-handshake.ts). */
  key?: string | undefined;
  socket?: { localPort?: number | undefined } | null;
}

/**
 * Checks API keys. While no key was ever created every request is anonymous (the gateway then listens on
 * loopback only, and refuses requests addressed to other names or sent by other sites' pages); once one exists, every model request needs a valid key, and revoking the last key locks
 * the gateway rather than opening it. The count is cached for a second, so `spark keys create` on a
 * running gateway takes effect within about a second; a revoked key is refused at its next request. A
 * WebSocket is authenticated once, at its handshake, so its session asks `stillValid` before each
 * response and the socket route sweeps its open sockets every second (responses-socket-route.ts).
 */
export class Authenticator {
  private cachedCount: { value: number; until: number } | undefined;
  private readonly touched = new Map<string, number>();
  /** The principal already found for a request (by its headers object), so the onRequest check is not repeated by the route. */
  private readonly checked = new WeakMap<object, Principal>();

  constructor(private readonly keys: ApiKeyStore, private readonly now: () => number = Date.now) {}

  keysExist(): boolean {
    const now = this.now();
    if (!this.cachedCount || this.cachedCount.until <= now) this.cachedCount = { value: this.keys.totalCount(), until: now + 1000 };
    return this.cachedCount.value > 0;
  }

  /**
   * The 401 a principal found earlier would get now, or undefined while it may still make requests: a key
   * while it is not revoked, anonymous while no key exists (after `spark keys create` every request needs
   * one). The key's row is read each time, uncached: one primary-key lookup, far cheaper than the turn it
   * guards, so a revoked key is refused at its very next response, as over HTTP.
   */
  refusal(principal: Principal): GatewayError | undefined {
    if (principal.id === ANONYMOUS.id) return this.keysExist() ? missingKey() : undefined;
    return this.keys.isActive(principal.id) ? undefined : invalidKey();
  }

  /** The principal for a request, or a 401 that says how to authenticate (and never repeats the key). */
  authenticate(caller: Caller): Principal {
    const known = this.checked.get(caller.headers);
    if (known) return known;
    const principal = this.check(caller);
    this.checked.set(caller.headers, principal);
    return principal;
  }

  private check(caller: Caller): Principal {
    const { headers } = caller;
    if (!this.keysExist()) {
      refuseNonLoopbackCaller(caller);
      return ANONYMOUS;
    }
    const presented = caller.key ?? presentedKey(headers, caller.url);
    if (presented === undefined) {
      throw missingKey();
    }
    const info = this.keys.verify(presented);
    if (!info) throw invalidKey();
    const now = this.now();
    if ((this.touched.get(info.id) ?? 0) + 60_000 < now) {
      this.touched.set(info.id, now);
      this.keys.touch(info.id);
    }
    return { id: info.id, name: info.name, limits: info.limits };
  }
}
