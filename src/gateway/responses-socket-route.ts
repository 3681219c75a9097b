import { randomUUID } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import { WebSocketServer } from "ws";
import { ANONYMOUS, type Principal } from "./authenticate.js";
import type { GatewayContext } from "./gateway-context.js";
import { GatewayError, openAIErrorBody } from "./openai-error.js";
import { ResponsesSocketSession } from "./responses-socket-session.js";
import type { SocketLimits } from "./socket-limits.js";
import { watchSocket } from "./socket-heartbeat.js";
import { SocketMetrics } from "./socket-metrics.js";
import { readSocketHandshake, refuseCrossSiteSocket, SPARK_SOCKET_PROTOCOL, type SocketHandshake } from "./socket-handshake.js";

const PATH = "/v1/responses";
/** How often open sockets are checked against the key store (a revoked key's idle socket is closed). */
const SWEEP_MS = 1000;

/** Answers a handshake with an HTTP error (the OpenAI error body) and closes the connection. */
function refuse(socket: Duplex, failure: GatewayError): void {
  const body = JSON.stringify(openAIErrorBody(failure));
  const headers = Object.entries({ ...failure.headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)), connection: "close" })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? "Error"}\r\n${headers}\r\n${body}`);
}

/** Spark's own clients ask for the `spark.rate_limits` event: the CLI by header, a page by the protocol it offers. */
function wantsRateLimits(request: IncomingMessage, handshake: SocketHandshake): boolean {
  return request.headers["x-spark-events"] === "rate_limits" || handshake.protocol === SPARK_SOCKET_PROTOCOL;
}

/**
 * The Responses API over WebSocket: `GET /v1/responses` with `Upgrade: websocket`. The handshake is
 * authenticated like an HTTP request (same keys, same Host/Origin rules without keys) before any frame
 * is read; a browser presents its key in a `spark.key.` subprotocol entry, and only the gateway's own
 * pages may open it (socket-handshake.ts); the session checks the key again before each response, and
 * open sockets are swept each second, so revoking a key closes its sockets. Frames are bounded by the
 * body limit, and sockets by `max_sockets` and, per key, `max_sockets_per_key`. A plain GET is told to
 * upgrade (426), which clients such as the Codex CLI read as "use HTTP instead".
 */
export function registerResponsesSocket(app: FastifyInstance, gateway: GatewayContext, limits: SocketLimits): void {
  const metrics = new SocketMetrics(gateway.metrics.registry);
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: limits.maxPayloadBytes,
    perMessageDeflate: false,
    // Only Spark's protocol name is ever echoed: never a `spark.key.` entry, whatever order it was offered in.
    handleProtocols: (offered) => (offered.has(SPARK_SOCKET_PROTOCOL) ? SPARK_SOCKET_PROTOCOL : false),
  });
  let sockets = 0;
  const perKey = new Map<string, number>();
  const sessions = new Set<ResponsesSocketSession>();
  // A socket is authenticated at its handshake; one idle when its key is revoked (or opened without keys
  // before one was created) would stay open, so every open socket is checked again each second.
  const sweep = setInterval(() => {
    for (const session of sessions) session.authorized();
  }, SWEEP_MS);
  sweep.unref();

  const accept = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((request.url ?? "").split("?")[0] !== PATH) return refuse(socket, new GatewayError(404, `The only WebSocket route is GET ${PATH} (the Responses API).`, "unknown_route"));
    let handshake: SocketHandshake;
    let principal: Principal;
    try {
      handshake = readSocketHandshake(request.headers);
      refuseCrossSiteSocket(request.headers);
      principal = gateway.auth.authenticate({ headers: request.headers, url: request.url, socket: request.socket, key: handshake.key });
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError(401, "Authentication failed.", "invalid_api_key");
      metrics.refused.inc({ reason: failure.code === "invalid_subprotocol" ? "protocol" : failure.code === "origin_not_allowed" ? "origin" : "auth" });
      return refuse(socket, failure);
    }
    if (sockets >= limits.maxSockets) {
      metrics.refused.inc({ reason: "max_sockets" });
      return refuse(socket, new GatewayError(503, `This gateway has ${limits.maxSockets} WebSockets open, its limit. Retry later, or use POST ${PATH}.`, "websocket_connection_limit_reached", null, "server_error", { "retry-after": "1" }));
    }
    const held = principal.id === ANONYMOUS.id ? undefined : (perKey.get(principal.id) ?? 0);
    if (held !== undefined && held >= limits.maxSocketsPerKey) {
      metrics.refused.inc({ reason: "max_sockets_per_key" });
      return refuse(socket, new GatewayError(429, `This key has ${limits.maxSocketsPerKey} WebSockets open, its limit (max_sockets_per_key). Close one, retry later, or use POST ${PATH}.`, "websocket_connection_limit_reached", null, "rate_limit_error", { "retry-after": "1" }));
    }
    // Counted until the connection itself closes: a handshake that ws rejects never reaches the callback,
    // and must not hold a place forever.
    sockets++;
    if (held !== undefined) perKey.set(principal.id, held + 1);
    socket.once("close", () => {
      sockets--;
      if (held === undefined) return;
      const left = (perKey.get(principal.id) ?? 1) - 1;
      if (left > 0) perKey.set(principal.id, left);
      else perKey.delete(principal.id);
    });
    server.handleUpgrade(request, socket, head, (ws) => {
      metrics.open.inc();
      const session = new ResponsesSocketSession(ws, { gateway, principal, metrics, socketKey: `ws-${randomUUID()}`, rateLimitEvents: wantsRateLimits(request, handshake), coalesceDeltas: handshake.protocol === SPARK_SOCKET_PROTOCOL }, limits);
      sessions.add(session);
      ws.on("message", (data, isBinary) => session.receive(data, isBinary));
      ws.on("error", (error) => gateway.log("debug", `${PATH} websocket: ${error.message}`));
      const unwatch = watchSocket(ws, limits, () => gateway.log("debug", `${PATH} websocket: a peer did not answer a ping; dropped`));
      ws.once("close", () => {
        unwatch();
        sessions.delete(session);
        metrics.open.dec();
        session.close();
      });
    });
  };

  app.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A socket that errors before or during the handshake must not take the process down.
    socket.on("error", () => socket.destroy());
    // The HTTP server's idle timeout does not apply to a socket that lives for many turns.
    if ("setTimeout" in socket && typeof socket.setTimeout === "function") socket.setTimeout(0);
    accept(request, socket, head);
  });
  app.get(PATH, async () => {
    throw new GatewayError(426, `GET ${PATH} is the Responses API's WebSocket: open it with 'Upgrade: websocket', or POST ${PATH} over HTTP.`, "upgrade_required", null, "invalid_request_error", { upgrade: "websocket" });
  });
  // Open sockets are closed before the server stops: each session stops its generations, charged what they made.
  app.addHook("preClose", async () => {
    clearInterval(sweep);
    for (const client of server.clients) client.terminate();
  });
}
