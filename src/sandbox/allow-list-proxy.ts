import { mkdtemp, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { hostAllowed } from "./host-allow-list.js";

/** An HTTP proxy on a UNIX socket that lets a sandboxed command reach only the allowed hosts. */
export interface AllowListProxy {
  /** The private directory holding the socket; it is bound into the sandbox. */
  readonly dir: string;
  readonly socketName: string;
  close(): Promise<void>;
}

const SOCKET_NAME = "proxy.sock";
// A connection that shows no sign of life for this long is dropped: nothing waits on it for ever.
const IDLE_MS = 120_000;
const HOP_BY_HOP = ["proxy-connection", "proxy-authorization", "connection", "keep-alive", "te", "trailer", "upgrade"];

/**
 * Plain HTTP is forwarded (absolute-form request URLs); https goes through CONNECT. The host is
 * checked against `[sandbox] allow_hosts` before any connection is made; a refusal is a 403 whose body
 * names the host and the key, so the model (and the user reading along) knows what to change.
 */
export async function startAllowListProxy(allowHosts: readonly string[]): Promise<AllowListProxy> {
  const dir = await mkdtemp(join(tmpdir(), "spark-proxy-"));
  const sockets = new Set<Duplex>();
  const server = createServer((req, res) => forward(req, res, allowHosts));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) => tunnel(req, client, head, allowHosts, sockets));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(join(dir, SOCKET_NAME), () => resolve());
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    socketName: SOCKET_NAME,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function refusal(host: string): string {
  return (
    `Spark's sandbox refused the connection to "${host}": it is not in [sandbox] allow_hosts. ` +
    `To allow it, add it to allow_hosts in the [sandbox] table of your own config (~/.spark/config.toml).\n`
  );
}

function forward(req: IncomingMessage, res: ServerResponse, allowHosts: readonly string[]): void {
  let url: URL;
  try {
    url = new URL(req.url ?? "");
  } catch {
    return void res.writeHead(400, { "content-type": "text/plain" }).end("Spark's sandbox proxy expects an absolute http:// URL.\n");
  }
  if (url.protocol !== "http:") {
    return void res.writeHead(400, { "content-type": "text/plain" }).end(`Spark's sandbox proxy forwards only http:// (use CONNECT for https), got ${url.protocol}\n`);
  }
  if (!hostAllowed(url.hostname, allowHosts)) {
    return void res.writeHead(403, { "content-type": "text/plain" }).end(refusal(url.hostname));
  }
  const headers = { ...req.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  const upstream = httpRequest(
    { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || 80, method: req.method, path: `${url.pathname}${url.search}`, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", (error) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
    res.end(`Spark's sandbox proxy could not reach ${url.host}: ${error.message}\n`);
  });
  req.pipe(upstream);
}

function tunnel(req: IncomingMessage, client: Duplex, head: Buffer, allowHosts: readonly string[], sockets: Set<Duplex>): void {
  sockets.add(client);
  client.once("close", () => sockets.delete(client));
  client.on("error", () => client.destroy());
  const target = parseAuthority(req.url ?? "");
  if (!target) return void client.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\nCONNECT needs host:port.\n");
  if (!hostAllowed(target.host, allowHosts)) {
    const body = refusal(target.host);
    return void client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  }
  let established = false;
  const upstream = connect(target.port, target.host, () => {
    established = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  sockets.add(upstream);
  upstream.setTimeout(IDLE_MS, () => upstream.destroy());
  upstream.once("close", () => {
    sockets.delete(upstream);
    client.destroy();
  });
  upstream.on("error", (error) => {
    // Once the tunnel is up, bytes belong to the command's TLS session: just close it.
    if (established) return void client.destroy();
    client.end(`HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\n\r\nSpark's sandbox proxy could not reach ${req.url}: ${error.message}\n`);
  });
  client.once("close", () => upstream.destroy());
}

/** `host:port` or `[v6]:port` of a CONNECT request. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(authority);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !(port > 0 && port < 65536)) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ""), port };
}
