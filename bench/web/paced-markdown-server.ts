import http from "node:http";
import type { AddressInfo } from "node:net";
import { BLOCKS_ANSWER } from "../../test/support/web-answers.js";

/**
 * An OpenAI-compatible upstream that streams a long markdown answer (prose, lists, highlighted code and,
 * optionally, the live SVG / Mermaid / HTML blocks of the tests after every `proseSections` sections) at
 * a fixed rate in tokens per second, one SSE event per token, for `seconds`; then it finishes the answer.
 */

export interface PacedMarkdownServer {
  url: string;
  tokensSent: number;
  charsSent: number;
  close(): Promise<void>;
}

const PROSE_SECTION = [
  "## Section",
  "",
  "The gateway streams each token as soon as the model produces it, and the page renders **only the block",
  "being written**, batching updates per animation frame so that a fast model never blocks the main thread.",
  "",
  "- the finished blocks are rendered once",
  "- the tail is rendered again on the next frame",
  "- interactive blocks re-render at most every 150 ms",
  "",
  "```ts",
  "export function debounce<T extends unknown[]>(fn: (...args: T) => void, ms: number): (...args: T) => void {",
  "  let timer: ReturnType<typeof setTimeout> | undefined;",
  "  return (...args: T) => {",
  "    clearTimeout(timer);",
  "    timer = setTimeout(() => fn(...args), ms);",
  "  };",
  "}",
  "```",
  "",
].join("\n");

/** Tokens of about four characters, as a code model's vocabulary gives. */
function tokenize(text: string): string[] {
  return text.match(/\s*\S{1,4}|\s+/g) ?? [];
}

/**
 * The answer's tokens, cycled: `proseSections` sections of prose and code, then (with `liveBlocks`) the
 * tests' SVG, Mermaid and HTML blocks.
 */
export function benchAnswerTokens(proseSections: number, liveBlocks: boolean): string[] {
  const sections: string[] = Array.from({ length: proseSections }, () => PROSE_SECTION);
  if (liveBlocks) sections.push(`${BLOCKS_ANSWER}\n\n`);
  return tokenize(sections.join(""));
}

const frame = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-web-bench", object: "chat.completion.chunk", created: 0, model: "bench", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

export interface PacedOptions {
  tokensPerSecond: number;
  seconds: number;
  proseSections: number;
  liveBlocks: boolean;
}

export async function startPacedMarkdownServer(options: PacedOptions): Promise<PacedMarkdownServer> {
  const cycle = benchAnswerTokens(options.proseSections, options.liveBlocks);
  const state: PacedMarkdownServer = {
    url: "",
    tokensSent: 0,
    charsSent: 0,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
  const stream = (res: http.ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write(frame({ role: "assistant", content: "" }));
    const started = performance.now();
    let open = true;
    // Paced per stream: a server answers several streams in turn (the gateway-relay bench).
    let sent = 0;
    res.on("close", () => (open = false));
    const tick = () => {
      if (!open) return;
      const elapsed = performance.now() - started;
      if (elapsed > options.seconds * 1000) {
        res.end(`${frame({}, "stop")}data: [DONE]\n\n`);
        return;
      }
      const due = Math.floor((elapsed / 1000) * options.tokensPerSecond) - sent;
      let out = "";
      for (let i = 0; i < due; i++) {
        const token = cycle[sent % cycle.length] ?? " ";
        sent++;
        state.tokensSent++;
        state.charsSent += token.length;
        out += frame({ content: token });
      }
      if (out !== "") res.write(out);
      setTimeout(tick, 1);
    };
    tick();
  };
  const server = http.createServer((req, res) => {
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "bench", object: "model", created: 0, owned_by: "bench" }] }));
      return;
    }
    req.resume();
    req.on("end", () => stream(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}
