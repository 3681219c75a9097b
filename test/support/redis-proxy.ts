/**
 * A loopback TCP proxy in front of a real redis-server, to make Redis hang on demand:
 * - "forward": a plain proxy (the real Redis answers);
 * - "silent": a Redis that accepts connections and never answers. A connection that saw it reads and
 *   drops everything for the rest of its life, as a hung server's socket would (switching back to
 *   "forward" helps only new connections, so no reply is ever paired with the wrong command);
 * - "hold": commands reach Redis and run, but their replies are never delivered (a Redis that answers too late).
 */
import { createConnection, createServer, type Socket } from "node:net";

export type RedisProxyMode = "forward" | "silent" | "hold";

export interface RedisProxy {
  url: string;
  setMode(mode: RedisProxyMode): void;
  /** Reply chunks Redis sent that "hold" did not deliver. */
  heldReplies(): number;
  close(): Promise<void>;
}

export async function startRedisProxy(target: string): Promise<RedisProxy> {
  const { hostname, port } = new URL(target);
  let mode: RedisProxyMode = "forward";
  let held = 0;
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    let deaf = mode === "silent";
    if (deaf) return void client.on("data", () => undefined);
    const upstream = createConnection({ host: hostname, port: Number(port) });
    track(upstream);
    client.on("data", (chunk) => {
      if (mode === "silent") deaf = true;
      if (!deaf) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (deaf) return;
      if (mode === "hold") held += 1;
      else client.write(chunk);
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the Redis proxy has no port");
  return {
    url: `redis://127.0.0.1:${address.port}`,
    setMode: (next) => void (mode = next),
    heldReplies: () => held,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
