import http from "node:http";
import type { AddressInfo } from "node:net";
import { benchTokens } from "./bench-text.js";

/**
 * An OpenAI-compatible server (Chat Completions, streamed) that sends the benchmark's answer at a fixed
 * rate: one SSE event per token, as many as are due every millisecond or so, for as long as the client
 * stays (at most `maxMs`). It records when each marker token was written to the socket and when the
 * client went away. Later requests get a one-line answer.
 */

export interface PacedServer {
  url: string;
  /** Marker number -> ms (performance.now()) when it was written. */
  markerSentAt: Map<number, number>;
  tokensSent: number;
  /** ms (performance.now()) when the first answer's request arrived, began streaming, and the client left. */
  requestAt: number | undefined;
  streamStartedAt: number | undefined;
  disconnectedAt: number | undefined;
  close(): Promise<void>;
}

export async function startPacedServer(options: { tokensPerSecond: number; maxMs: number }): Promise<PacedServer> {
  let requests = 0;
  const state: PacedServer = {
    url: "",
    markerSentAt: new Map(),
    tokensSent: 0,
    requestAt: undefined,
    streamStartedAt: undefined,
    disconnectedAt: undefined,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const chunk = (content: string | undefined, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta: content === undefined ? {} : { content }, finish_reason: finish }] })}\n\n`;

  const server = http.createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "bench", object: "model", created: 0, owned_by: "bench" }] }));
      return;
    }
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      if (requests++ > 0) {
        res.end(`${chunk("ok")}${chunk(undefined, "stop")}data: [DONE]\n\n`);
        return;
      }
      state.requestAt = performance.now();
      res.write(`data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] })}\n\n`);
      const tokens = benchTokens();
      const started = performance.now();
      state.streamStartedAt = started;
      let open = true;
      res.on("close", () => {
        open = false;
        state.disconnectedAt ??= performance.now();
      });
      const tick = () => {
        if (!open) return;
        const now = performance.now();
        if (now - started > options.maxMs) {
          res.end(`${chunk(undefined, "stop")}data: [DONE]\n\n`);
          return;
        }
        const due = Math.floor(((now - started) / 1000) * options.tokensPerSecond) - state.tokensSent;
        let out = "";
        for (let i = 0; i < due; i++) {
          const token = tokens.next().value as { text: string; marker?: number };
          out += chunk(token.text);
          if (token.marker !== undefined) state.markerSentAt.set(token.marker, now);
        }
        state.tokensSent += Math.max(0, due);
        if (out !== "") res.write(out);
        setTimeout(tick, 1);
      };
      tick();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
