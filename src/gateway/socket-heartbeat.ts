import type WebSocket from "ws";

/** The close code and reason a socket gets at the end of its lifetime (OpenAI closes its sockets at 60 min). */
export const LIFETIME_CLOSE_CODE = 1000;

/**
 * Keeps a socket honest: a ping every `pingIntervalMs`, and a peer that has not answered the previous one
 * is gone (its connection dropped without a close, a laptop asleep) and is terminated, which stops its
 * generations like any close. At `maxLifetimeMs` the socket is closed with a reason that says to open
 * another. Returns the function that stops both timers.
 */
export function watchSocket(ws: WebSocket, limits: { pingIntervalMs: number; maxLifetimeMs: number }, onDead: () => void): () => void {
  let answered = true;
  const onPong = () => (answered = true);
  ws.on("pong", onPong);
  const pinger = setInterval(() => {
    if (!answered) {
      onDead();
      ws.terminate();
      return;
    }
    answered = false;
    ws.ping();
  }, limits.pingIntervalMs);
  const lifetime = setTimeout(() => {
    const minutes = Math.round(limits.maxLifetimeMs / 60_000);
    ws.close(LIFETIME_CLOSE_CODE, `This socket reached its lifetime limit (${minutes > 0 ? `${minutes} min` : `${limits.maxLifetimeMs} ms`}); open a new one.`);
  }, limits.maxLifetimeMs);
  pinger.unref();
  lifetime.unref();
  return () => {
    clearInterval(pinger);
    clearTimeout(lifetime);
    ws.off("pong", onPong);
  };
}
