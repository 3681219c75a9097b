/**
 * Raw HTTP/1.1 over a TCP socket, for what fetch cannot do: send headers and part of a body and hold the
 * rest, trickle headers, see exactly when the server answers and when it closes the connection.
 * Loopback only.
 */
import { connect, type Socket } from "node:net";

export interface HeldRequest {
  socket: Socket;
  /** Resolves when the server closed the connection: the status line seen (if any) and how long it took. */
  closed: Promise<{ status: number | undefined; afterMs: number; text: string }>;
}

/** Opens a connection to 127.0.0.1:port, writes `head` then `body` (as far as the server takes it), and holds. */
export function holdRequest(port: number, head: string, body?: Buffer): HeldRequest {
  const started = performance.now();
  const socket = connect({ host: "127.0.0.1", port });
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    if (text.length < 4096) text += chunk.toString("latin1");
  });
  // The server may close while we still write: EPIPE/ECONNRESET are expected outcomes here.
  socket.on("error", () => undefined);
  socket.write(head);
  if (body) socket.write(body);
  const closed = new Promise<{ status: number | undefined; afterMs: number; text: string }>((resolve) => {
    socket.once("close", () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, afterMs: performance.now() - started, text });
    });
  });
  return { socket, closed };
}

/** Resolves with the first status line the server sends on a held request, or undefined after `timeoutMs`. */
export function firstStatus(request: HeldRequest, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match) done(Number(match[1]));
    };
    const done = (status: number | undefined) => {
      clearTimeout(timer);
      request.socket.off("data", onData);
      request.socket.off("close", onClose);
      resolve(status);
    };
    const onClose = () => done(undefined);
    request.socket.on("data", onData);
    request.socket.once("close", onClose);
  });
}

/** Resident memory of a process in MiB, from /proc (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}
