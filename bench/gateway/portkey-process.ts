/**
 * Portkey's AI gateway (@portkey-ai/gateway: build/start-server.js, the file its bin runs) as the
 * benchmark's comparison, in its own process on loopback only:
 *
 * - That script calls `serve({ port })` from @hono/node-server, which listens on every interface;
 *   before it is imported, `listen(port)` without a host is pinned to 127.0.0.1.
 * - Streaming through it fails on this install with `TypeError: immutable` (Portkey-AI/gateway#1389:
 *   @hono/node-server > 1.14.2, which Portkey's dependency range installs, keeps the upstream fetch
 *   Response's immutable headers when Portkey wraps the body in `new Response(body, upstreamResponse)`,
 *   and Portkey then appends its x-portkey-* headers). Once Portkey has installed @hono/node-server's
 *   Response, a subclass that copies such headers replaces it, as Portkey's own fix (PR #1551) does.
 *   Every other line of Portkey runs as published.
 * - It prints `portkey listening on URL` once it is ready (its own banner shows the requested port, 0),
 *   runs headless (no log UI) and exits when its parent closes stdin, or on SIGTERM.
 */
import net from "node:net";

type Listen = (this: net.Server, ...args: unknown[]) => net.Server;
const listen = net.Server.prototype.listen as unknown as Listen;
const pinned: net.Server[] = [];
(net.Server.prototype as unknown as { listen: Listen }).listen = function pinnedListen(this: net.Server, ...args: unknown[]) {
  if (typeof args[0] === "number" && (args[1] === undefined || typeof args[1] === "function")) {
    if (args[1] === undefined) args.splice(1, 1, "127.0.0.1");
    else args.splice(1, 0, "127.0.0.1");
    pinned.push(this);
  }
  return listen.apply(this, args);
};

const stop = () => process.exit(0);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);

const nativeResponse = globalThis.Response;
process.argv.push(`--port=${process.env.BENCH_PORTKEY_PORT ?? "0"}`, "--headless");
// @ts-expect-error -- the package ships a bundled JS server without type declarations
await import("@portkey-ai/gateway/build/start-server.js");

const LightResponse = globalThis.Response;
if (LightResponse !== nativeResponse) {
  type Body = ConstructorParameters<typeof Response>[0];
  type Init = ConstructorParameters<typeof Response>[1];
  class HeaderCopyingResponse extends LightResponse {
    constructor(body?: Body, init?: Init) {
      const fromUpstream = (init as unknown) instanceof nativeResponse && !((init as unknown) instanceof LightResponse);
      const source = init as Response;
      super(body, fromUpstream ? { status: source.status, statusText: source.statusText, headers: new Headers(source.headers) } : init);
    }
  }
  Object.defineProperty(globalThis, "Response", { value: HeaderCopyingResponse, writable: true, configurable: true });
}

const address = pinned[0]?.address();
if (address === null || address === undefined || typeof address !== "object") throw new Error("Portkey did not listen");
process.stdout.write(`\nportkey listening on http://127.0.0.1:${address.port}\n`);
