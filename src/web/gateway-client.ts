/**
 * The gateway's HTTP API as the page uses it: same origin, the API key (if one is set) as a bearer token,
 * and OpenAI-style error bodies turned into GatewayRequestError with the gateway's code.
 */

export class GatewayRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = "GatewayRequestError";
  }

  get needsKey(): boolean {
    return this.status === 401;
  }
}

export interface KeyStore {
  get(): string | undefined;
  set(key: string | undefined): void;
}

export const KEY_STORAGE_NAME = "spark.apiKey";

export function localStorageKeys(storage: Storage): KeyStore {
  return {
    get: () => storage.getItem(KEY_STORAGE_NAME) ?? undefined,
    set: (key) => (key ? storage.setItem(KEY_STORAGE_NAME, key) : storage.removeItem(KEY_STORAGE_NAME)),
  };
}

async function errorOf(response: Response): Promise<GatewayRequestError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string | null } };
    return new GatewayRequestError(response.status, body.error?.code ?? `http_${response.status}`, body.error?.message ?? text);
  } catch {
    return new GatewayRequestError(response.status, `http_${response.status}`, text || `The gateway answered ${response.status}.`);
  }
}

export class GatewayClient {
  constructor(private readonly keys: KeyStore) {}

  /** Sends a request; throws GatewayRequestError for a non-2xx answer. Aborting rejects with AbortError. */
  async request(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const key = this.keys.get();
    if (key) headers.authorization = `Bearer ${key}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const response = await fetch(path, {
      method: init.method ?? "GET",
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  async json<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
    const response = await this.request(path, init);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }
}
