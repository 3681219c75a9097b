/**
 * A scripted OpenAI-compatible HTTP server: the test double at the network edge. E2E tests spawn the
 * real `spark` CLI with `--base-url <server.url>`, and a script decides what "the model" says, how it
 * streams and how it fails. Plain node:http, so the double has no framework behaviour of its own.
 * test/scripted-openai-server.test.ts proves the wire format against the official `openai` SDK.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptedReply =
  | {
      kind: "text";
      chunks: string[];
      delayMs?: number;
      usage?: { prompt: number; completion: number; acceptedPrediction?: number; rejectedPrediction?: number };
    }
  | {
      kind: "tool-calls";
      calls: { id: string; name: string; arguments: string }[];
      argumentChunkSize?: number;
      /** Chat Completions only: stream the argument slices, then keep the stream open with no finish. */
      hang?: boolean;
    }
  | { kind: "error"; status: number; body?: unknown; headers?: Record<string, string> } // e.g. 429 with retry-after, 401
  | { kind: "hang-after"; chunks: string[] } // sends chunks then keeps the stream open forever (to test client abort)
  | { kind: "drop-after"; chunks: string[] }; // sends chunks and half a frame, then drops the connection (a crashed upstream)

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are arbitrary JSON that tests inspect freely (body.messages[0].content, ...)
  body: any;
}

export interface ScriptedServer {
  url: string; // "http://127.0.0.1:PORT/v1"
  requests: RecordedRequest[];
  /**
   * Resolves when a client closes a connection before its response ended.
   * Each call claims the next disconnect (one already seen counts), so
   * `abort(); await waitForClientDisconnect()` cannot race.
   */
  waitForClientDisconnect(timeoutMs?: number): Promise<void>;
  disconnects: number;
  /** POSTs being answered now, and the most at once so far (what a gateway's max_concurrent bounds). */
  inFlight: number;
  peakInFlight: number;
  close(): Promise<void>;
}

export type Script = ScriptedReply[] | ((req: RecordedRequest, index: number) => ScriptedReply);

export const SCRIPTED_MODEL = "scripted-model";
const DEFAULT_ARGUMENT_CHUNK_SIZE = 8;

type Usage = Required<NonNullable<Extract<ScriptedReply, { kind: "text" }>["usage"]>>;
type ToolCallsReply = Extract<ScriptedReply, { kind: "tool-calls" }>;
type Call = ToolCallsReply["calls"][number];
type Json = Record<string, unknown>;
/** Fixed timestamp: deterministic payloads make recorded transcripts diffable. */
const CREATED = 1_700_000_000;

/** Everything a wire-format writer needs for one POST. */
interface Turn {
  res: http.ServerResponse;
  reply: Exclude<ScriptedReply, { kind: "error" }>;
  model: string;
  /** Distinct per POST so ids never collide across turns of one conversation. */
  seq: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- same arbitrary request JSON as RecordedRequest.body
  body: any;
}

export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  let postCount = 0;
  let claimed = 0;
  let closing = false;
  const waiters = new Set<() => void>();
  /** Connections the script dropped itself: not a client disconnect. */
  const dropped = new WeakSet<http.ServerResponse>();

  const state: ScriptedServer = {
    url: "",
    requests: [],
    disconnects: 0,
    inFlight: 0,
    peakInFlight: 0,
    waitForClientDisconnect: (timeoutMs = 5_000) => {
      const target = ++claimed;
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (state.disconnects < target) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          claimed--; // release the claim so a later wait can still see this disconnect
          reject(new Error(`no client disconnect within ${timeoutMs}ms (seen ${state.disconnects})`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => closeServer(),
  };

  const onDisconnect = (): void => {
    state.disconnects++;
    for (const check of [...waiters]) check();
  };

  const server = http.createServer((req, res) => {
    if (req.method === "POST") {
      state.peakInFlight = Math.max(state.peakInFlight, ++state.inFlight);
      // 'close' comes once per response, whether it ended or its client went away.
      res.once("close", () => state.inFlight--);
    }
    // `res` 'close' (not `req` 'close') is the connection-level signal: since Node 16
    // `req` emits 'close' as soon as its body is consumed, long before a client abort.
    res.on("close", () => {
      if (!res.writableFinished && !closing && !dropped.has(res)) onDisconnect();
    });
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, String(err)));
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: (req.url ?? "/").split("?")[0] ?? "/",
      headers: { ...req.headers },
      body: parseBody(await readBody(req)),
    };
    state.requests.push(recorded);
    const route = `${recorded.method} ${recorded.path}`;
    if (route === "GET /v1/models") return sendModels(res);
    if (route !== "POST /v1/chat/completions" && route !== "POST /v1/responses" && route !== "POST /v1/completions") {
      return sendJson(res, 404, errorBody(404, `no route ${route}`));
    }

    const reply = nextReply(script, recorded, postCount);
    const seq = postCount++;
    if (!reply) return sendJson(res, 500, errorBody(500, "the script is empty"));
    if (reply.kind === "error") {
      return sendJson(res, reply.status, reply.body ?? errorBody(reply.status, `scripted error ${reply.status}`), reply.headers);
    }

    const body = recorded.body;
    const model = typeof body?.model === "string" ? body.model : SCRIPTED_MODEL;
    const turn: Turn = { res, reply, model, seq, body };
    const completions = recorded.path === "/v1/completions";
    if (completions && reply.kind === "tool-calls") return sendJson(res, 400, errorBody(400, "tool calls have no text completion"));
    const chat = recorded.path === "/v1/chat/completions";
    if (body?.stream === true) {
      await (completions ? streamTextCompletion(turn) : chat ? streamChat(turn) : streamResponses(turn));
      if (reply.kind === "drop-after") await sleep(50).then(() => dropConnection(res));
      return;
    }
    // A non-streaming hang: headers go out, the body never does (a stalled server).
    if (endsEarly(reply)) return void res.writeHead(200, { "content-type": "application/json" }).flushHeaders();
    if (completions) return sendJson(res, 200, textCompletion(turn));
    return sendJson(res, 200, chat ? chatCompletion(turn) : responseObject(turn, "completed", finalOutput(turn), true));
  }

  /** Half a frame, then the socket closes without the chunked body's last chunk. */
  function dropConnection(res: http.ServerResponse): void {
    dropped.add(res);
    if (!res.destroyed) res.write('data: {"id":"cut-mid-fra');
    res.socket?.destroy();
  }

  function closeServer(): Promise<void> {
    closing = true;
    return new Promise((resolve) => {
      server.close(() => resolve());
      // Keep-alive sockets and hang-after streams would otherwise keep close() pending forever.
      server.closeAllConnections();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  state.url = `http://127.0.0.1:${port}/v1`;
  return state;
}

// ---------------------------------------------------------------------------
// Request plumbing

function nextReply(script: Script, req: RecordedRequest, index: number): ScriptedReply | undefined {
  if (typeof script === "function") return script(req, index);
  // The last reply repeats so a test need not predict how many retries/turns happen.
  return script[Math.min(index, script.length - 1)];
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer); // no setEncoding, so chunks are Buffers
  return Buffer.concat(parts).toString("utf8");
}

/** Keeps a non-JSON body as its raw text so a malformed client request is still visible to assertions. */
function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
}

function sendModels(res: http.ServerResponse): void {
  sendJson(res, 200, { object: "list", data: [{ id: SCRIPTED_MODEL, object: "model", created: 0, owned_by: "spark-tests" }] });
}

/** OpenAI's error `type`/`code` per status, so clients that branch on them see realistic values. */
function errorBody(status: number, message: string): { error: Json } {
  const type = status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error";
  const code = status === 429 ? "rate_limit_exceeded" : status === 401 ? "invalid_api_key" : null;
  return { error: { message, type, param: null, code } };
}

// ---------------------------------------------------------------------------
// Streaming helpers

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function startSse(res: http.ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  // Flush now: the SDK's create() resolves on headers, and a test may abort before the first chunk.
  res.flushHeaders();
}

/** Writes one SSE frame; false once the client has gone, so writers stop instead of erroring. */
function writeSse(res: http.ServerResponse, data: unknown, event?: string): boolean {
  if (res.destroyed || res.writableEnded) return false;
  const payload = typeof data === "string" ? data : JSON.stringify(data);
  res.write(`${event ? `event: ${event}\n` : ""}data: ${payload}\n\n`);
  return true;
}

/** Sends `frames` in order, pausing between them; stops early if the client disconnects. */
async function emitAll(frames: (() => boolean)[], delayMs: number): Promise<boolean> {
  for (const [i, frame] of frames.entries()) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    if (!frame()) return false;
  }
  return true;
}

function splitEvery(text: string, size: number): string[] {
  const step = Math.max(1, size); // a zero/negative size from a script must not loop forever
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += step) parts.push(text.slice(i, i + step));
  return parts;
}

function usageOf(reply: Turn["reply"]): Usage {
  const given = reply.kind === "text" ? reply.usage : undefined;
  const deltas = reply.kind === "tool-calls" ? reply.calls.length : reply.chunks.length;
  return {
    prompt: given?.prompt ?? 10,
    completion: given?.completion ?? deltas,
    acceptedPrediction: given?.acceptedPrediction ?? 0,
    rejectedPrediction: given?.rejectedPrediction ?? 0,
  };
}

function argumentSlices(reply: ToolCallsReply, args: string): string[] {
  return splitEvery(args, reply.argumentChunkSize ?? DEFAULT_ARGUMENT_CHUNK_SIZE);
}

/** The reply stops before its stream's end: it hangs there, or its connection drops. */
function endsEarly(reply: Turn["reply"]): boolean {
  return reply.kind === "hang-after" || reply.kind === "drop-after";
}

function delayOf(reply: Turn["reply"]): number {
  return reply.kind === "text" ? (reply.delayMs ?? 0) : 0;
}

// ---------------------------------------------------------------------------
// Chat Completions (POST /v1/chat/completions)

function includeUsage(turn: Turn): boolean {
  return turn.body?.stream_options?.include_usage === true;
}

function chatChunk(turn: Turn, choices: Json[]): Json {
  const base = { id: `chatcmpl-scripted-${turn.seq}`, object: "chat.completion.chunk", created: CREATED, model: turn.model };
  // Real OpenAI sends `usage: null` on every chunk once include_usage is on; clients must tolerate it.
  return includeUsage(turn) ? { ...base, choices, usage: null } : { ...base, choices };
}

function chatChoice(delta: Json, finishReason: string | null = null): Json {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

function chatUsage(u: Usage): Json {
  const predictions = { accepted_prediction_tokens: u.acceptedPrediction, rejected_prediction_tokens: u.rejectedPrediction };
  return {
    prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, ...predictions },
  };
}

/** The deltas before the finishing chunk; tool calls open with id/name, then stream argument slices. */
function chatDeltas(reply: Turn["reply"]): Json[] {
  if (reply.kind !== "tool-calls") {
    return [{ role: "assistant", content: "" }, ...reply.chunks.map((content) => ({ content }))];
  }
  return reply.calls.flatMap((call, index) => [
    {
      ...(index === 0 ? { role: "assistant", content: null } : {}),
      tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }],
    },
    ...argumentSlices(reply, call.arguments).map((slice) => ({ tool_calls: [{ index, function: { arguments: slice } }] })),
  ]);
}

async function streamChat(turn: Turn): Promise<void> {
  const { res, reply } = turn;
  startSse(res);
  const frames = chatDeltas(reply).map((delta) => () => writeSse(res, chatChunk(turn, [chatChoice(delta)])));
  const hangs = endsEarly(reply) || (reply.kind === "tool-calls" && reply.hang === true);
  if (!hangs) {
    const finish = reply.kind === "tool-calls" ? "tool_calls" : "stop";
    frames.push(() => writeSse(res, chatChunk(turn, [chatChoice({}, finish)])));
    if (includeUsage(turn)) frames.push(() => writeSse(res, { ...chatChunk(turn, []), usage: chatUsage(usageOf(reply)) }));
    frames.push(() => writeSse(res, "[DONE]"));
  }
  if ((await emitAll(frames, delayOf(reply))) && !hangs) res.end();
}

function chatCompletion(turn: Turn): Json {
  const { reply } = turn;
  const message =
    reply.kind === "tool-calls"
      ? { role: "assistant", content: null, refusal: null, tool_calls: reply.calls.map(chatToolCall) }
      : { role: "assistant", content: reply.chunks.join(""), refusal: null };
  const finish_reason = reply.kind === "tool-calls" ? "tool_calls" : "stop";
  return {
    id: `chatcmpl-scripted-${turn.seq}`,
    object: "chat.completion",
    created: CREATED,
    model: turn.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason }],
    usage: chatUsage(usageOf(reply)),
  };
}

const chatToolCall = (c: Call): Json => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } });

// ---------------------------------------------------------------------------
// Legacy text completions (POST /v1/completions, with `suffix` for fill-in-the-middle)

function textChunk(turn: Turn, text: string, finishReason: string | null = null): Json {
  return {
    id: `cmpl-scripted-${turn.seq}`,
    object: "text_completion",
    created: CREATED,
    model: turn.model,
    choices: [{ index: 0, text, finish_reason: finishReason, logprobs: null }],
  };
}

function textUsage(u: Usage): Json {
  return { prompt_tokens: u.prompt, completion_tokens: u.completion, total_tokens: u.prompt + u.completion };
}

async function streamTextCompletion(turn: Turn): Promise<void> {
  const { res, reply } = turn;
  if (reply.kind === "tool-calls") return;
  startSse(res);
  const frames = reply.chunks.map((text) => () => writeSse(res, textChunk(turn, text)));
  const hangs = endsEarly(reply);
  if (!hangs) {
    frames.push(() => writeSse(res, textChunk(turn, "", "stop")));
    if (includeUsage(turn)) frames.push(() => writeSse(res, { ...textChunk(turn, ""), choices: [], usage: textUsage(usageOf(reply)) }));
    frames.push(() => writeSse(res, "[DONE]"));
  }
  if ((await emitAll(frames, delayOf(reply))) && !hangs) res.end();
}

function textCompletion(turn: Turn): Json {
  const { reply } = turn;
  const text = reply.kind === "tool-calls" ? "" : reply.chunks.join("");
  return { ...textChunk(turn, text, "stop"), usage: textUsage(usageOf(reply)) };
}

// ---------------------------------------------------------------------------
// Responses API (POST /v1/responses)

/** Fields the SDK types as required on every Response but that a scripted turn never varies. */
const RESPONSE_DEFAULTS = {
  error: null, incomplete_details: null, instructions: null, metadata: {}, parallel_tool_calls: true,
  temperature: 1, tool_choice: "auto", tools: [], top_p: 1,
};

/** A Response body; `usage` stays null until completion, as the real API streams it. */
function responseObject(turn: Turn, status: string, output: Json[], withUsage = false): Json {
  const u = usageOf(turn.reply);
  const usage = {
    input_tokens: u.prompt, input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.completion, output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.prompt + u.completion,
  };
  const head = { id: `resp_scripted_${turn.seq}`, object: "response", created_at: CREATED, status, model: turn.model };
  return { ...head, output, usage: withUsage ? usage : null, ...RESPONSE_DEFAULTS };
}

const outputText = (text: string): Json => ({ type: "output_text", text, annotations: [], logprobs: [] });
function messageItem(turn: Turn, status: string, content: Json[]): Json {
  return { id: `msg_scripted_${turn.seq}`, type: "message", status, role: "assistant", content };
}

function functionItem(call: Call, status: string, args: string): Json {
  return { id: `fc_${call.id}`, type: "function_call", status, call_id: call.id, name: call.name, arguments: args };
}

/** The completed output array, shared by `response.completed` and the non-streaming body. */
function finalOutput(turn: Turn): Json[] {
  const { reply } = turn;
  if (reply.kind === "tool-calls") return reply.calls.map((c) => functionItem(c, "completed", c.arguments));
  return [messageItem(turn, "completed", [outputText(reply.chunks.join(""))])];
}

/** One message item with one output_text part; `complete` false stops after the deltas (hang-after). */
function messageEvents(turn: Turn, chunks: string[], complete: boolean): Json[] {
  const ids = { item_id: `msg_scripted_${turn.seq}`, output_index: 0, content_index: 0 };
  const text = chunks.join("");
  return [
    { type: "response.output_item.added", output_index: 0, item: messageItem(turn, "in_progress", []) },
    { type: "response.content_part.added", ...ids, part: outputText("") },
    ...chunks.map((delta) => ({ type: "response.output_text.delta", ...ids, delta, logprobs: [] })),
    ...(complete
      ? [
          { type: "response.output_text.done", ...ids, text, logprobs: [] },
          { type: "response.content_part.done", ...ids, part: outputText(text) },
          { type: "response.output_item.done", output_index: 0, item: messageItem(turn, "completed", [outputText(text)]) },
        ]
      : []),
  ];
}

/** One function_call item per call, each at its own output_index. */
function functionCallEvents(reply: ToolCallsReply): Json[] {
  return reply.calls.flatMap((call, output_index) => {
    const item_id = `fc_${call.id}`;
    return [
      { type: "response.output_item.added", output_index, item: functionItem(call, "in_progress", "") },
      ...argumentSlices(reply, call.arguments).map((delta) => {
        return { type: "response.function_call_arguments.delta", item_id, output_index, delta };
      }),
      { type: "response.function_call_arguments.done", item_id, output_index, name: call.name, arguments: call.arguments },
      { type: "response.output_item.done", output_index, item: functionItem(call, "completed", call.arguments) },
    ];
  });
}

async function streamResponses(turn: Turn): Promise<void> {
  const { res, reply } = turn;
  startSse(res);
  const events: Json[] = [
    { type: "response.created", response: responseObject(turn, "in_progress", []) },
    { type: "response.in_progress", response: responseObject(turn, "in_progress", []) },
    ...(reply.kind === "tool-calls" ? functionCallEvents(reply) : messageEvents(turn, reply.chunks, reply.kind === "text")),
  ];
  const finishes = !endsEarly(reply);
  if (finishes) events.push({ type: "response.completed", response: responseObject(turn, "completed", finalOutput(turn), true) });
  // The SDK dispatches on `data.type`; the `event:` line mirrors it as the real API does.
  const frames = events.map((e, sequence_number) => () => writeSse(res, { ...e, sequence_number }, String(e["type"])));
  if ((await emitAll(frames, delayOf(reply))) && finishes) res.end();
}
