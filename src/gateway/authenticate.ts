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

function presentedKey(headers: Headers): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers["x-api-key"] ?? headers["api-key"];
  return typeof apiKey === "string" && apiKey.trim() !== "" ? apiKey.trim() : undefined;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** The host of a Host header ("127.0.0.1:8787") or of an Origin ("http://localhost:8787"), lower-cased. */
function hostOf(value: string): string | undefined {
  try {
    return new URL(value.includes("://") ? value : `http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function isLoopback(value: string | string[] | undefined): boolean {
  if (typeof value !== "string") return false;
  const host = hostOf(value);
  return host !== undefined && LOOPBACK_HOSTS.has(host);
}

/**
 * Without keys the gateway trusts whoever reaches its loopback port. A web page on another site can still
 * reach it from the user's browser by DNS rebinding (its own name resolving to 127.0.0.1): such requests
 * carry that name as Host, or that site as Origin, and are refused.
 */
function refuseNonLoopbackCaller(headers: Headers): void {
  const origin = headers.origin;
  if (isLoopback(headers.host) && (origin === undefined || isLoopback(origin))) return;
  throw new GatewayError(
    403,
    "This gateway has no API keys, so it answers only requests to localhost, 127.0.0.1 or [::1] from its own pages (a guard against other web sites reaching it through your browser). Use http://127.0.0.1:PORT, or create a key with `spark keys create --name NAME` and send it.",
    "host_not_allowed",
  );
}

/**
 * Checks API keys. While no key was ever created every request is anonymous (the gateway then listens on
 * loopback only, and refuses requests addressed to other names or sent by other sites' pages); once one exists, every model request needs a valid key, and revoking the last key locks
 * the gateway rather than opening it. The count is cached for a second, so `spark keys create` on a
 * running gateway takes effect within about a second; a revoked key is refused at its next request.
 */
export class Authenticator {
  private cachedCount: { value: number; until: number } | undefined;
  private readonly touched = new Map<string, number>();

  constructor(private readonly keys: ApiKeyStore, private readonly now: () => number = Date.now) {}

  keysExist(): boolean {
    const now = this.now();
    if (!this.cachedCount || this.cachedCount.until <= now) this.cachedCount = { value: this.keys.totalCount(), until: now + 1000 };
    return this.cachedCount.value > 0;
  }

  /** The principal for a request, or a 401 that says how to authenticate (and never repeats the key). */
  authenticate(headers: Headers): Principal {
    if (!this.keysExist()) {
      refuseNonLoopbackCaller(headers);
      return ANONYMOUS;
    }
    const presented = presentedKey(headers);
    if (presented === undefined) {
      throw new GatewayError(
        401,
        "No API key given. This gateway requires one: send 'Authorization: Bearer sk-spark-...' (the OpenAI SDKs do this with apiKey). The gateway's operator creates keys with `spark keys create --name NAME`.",
        "missing_api_key",
      );
    }
    const info = this.keys.verify(presented);
    if (!info) {
      throw new GatewayError(401, "The API key is not valid for this gateway (unknown, mistyped or revoked). Check the key, or ask the operator for a new one.", "invalid_api_key");
    }
    const now = this.now();
    if ((this.touched.get(info.id) ?? 0) + 60_000 < now) {
      this.touched.set(info.id, now);
      this.keys.touch(info.id);
    }
    return { id: info.id, name: info.name, limits: info.limits };
  }
}
