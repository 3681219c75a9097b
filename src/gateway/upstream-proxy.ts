import http from "node:http";
import https from "node:https";
import { emptyUsage, upstreamStatusError, type FinishReason, type SparkError, type Usage } from "../core/index.js";
import type { WireEvent } from "./event-sink.js";
import type { RemoteTarget } from "./model-router.js";
import { GatewayError, wireCode } from "./openai-error.js";
import type { Outcome, RunContext } from "./serve-events.js";
import { SseUsageScanner, usageFromJson } from "./sse-usage-scanner.js";
import { streamErrorEvent } from "./wire-format.js";

/** Keep-alive connections to upstreams, shared by every request of one gateway. */
export interface UpstreamAgents {
  http: http.Agent;
  https: https.Agent;
}

export function createUpstreamAgents(): UpstreamAgents {
  return { http: new http.Agent({ keepAlive: true, maxSockets: 1024 }), https: new https.Agent({ keepAlive: true, maxSockets: 1024 }) };
}

export interface ProxyRequest {
  target: RemoteTarget;
  apiKey: string | undefined;
  /** "/chat/completions", "/responses" or "/completions", under the upstream's base URL. */
  path: string;
  body: Record<string, unknown>;
  /** The upstream's usage frame was asked for by the gateway, not the client: drop it. */
  stripUsage: boolean;
  /** Input tokens to charge if the upstream never reports usage (a disconnect). */
  promptEstimate: number;
  timeoutMs: number;
}

/** Upstream statuses as the gateway's answer (see upstreamStatusError), with the upstream's Retry-After. */
function upstreamError(status: number, bodyText: string, target: RemoteTarget, headers: http.IncomingHttpHeaders): GatewayError {
  let detail = bodyText.slice(0, 500);
  try {
    const parsed = JSON.parse(bodyText) as { error?: { message?: unknown } | string; message?: unknown };
    const message = typeof parsed.error === "object" ? parsed.error?.message : (parsed.error ?? parsed.message);
    if (typeof message === "string") detail = message;
  } catch {
    // Not JSON: keep the text.
  }
  const keyAdvice = `The gateway's operator must fix ${target.apiKeyEnv ? `$${target.apiKeyEnv}` : "its upstream key"}`;
  const failure = upstreamStatusError(status, detail, { where: `The upstream ${target.baseUrl} (model ${target.model})`, keyAdvice, showKeyDetail: false });
  const retryAfter = headers["retry-after"];
  const answerHeaders: Record<string, string> = status === 429 && typeof retryAfter === "string" ? { "retry-after": retryAfter } : {};
  return new GatewayError(failure.status, failure.message, failure.code, null, undefined, answerHeaders);
}

/** An upstream answer longer than readAll's limit: refused whole rather than passed on cut short. */
export class UpstreamTooLargeError extends Error {}

function readAll(stream: http.IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    stream.on("data", (part: Buffer) => {
      size += part.length;
      if (size <= limit) return void parts.push(part);
      reject(new UpstreamTooLargeError(`the answer is over ${limit} bytes`));
      stream.destroy();
    });
    stream.on("end", () => resolve(Buffer.concat(parts)));
    stream.on("error", reject);
    stream.on("aborted", () => reject(new Error("the upstream closed the connection mid-answer")));
  });
}

/**
 * Forwards a request to an upstream OpenAI-compatible server and passes its answer through. Streams go
 * through byte for byte (frame-aligned, so the one usage frame the gateway asked for can be dropped);
 * the scanner reads usage from them for the charge. The client going away destroys the upstream request,
 * which closes its connection and stops the generation there.
 */
export function proxyToUpstream(agents: UpstreamAgents, context: RunContext, request: ProxyRequest): Promise<Outcome> {
  const url = new URL(request.target.baseUrl.replace(/\/$/, "") + request.path);
  const payload = Buffer.from(JSON.stringify(request.body));
  const isHttps = url.protocol === "https:";
  const headers: http.OutgoingHttpHeaders = {
    "content-type": "application/json",
    accept: context.stream ? "text/event-stream" : "application/json",
    "content-length": payload.length,
    ...(request.apiKey ? { authorization: `Bearer ${request.apiKey}` } : {}),
  };
  const clientGone = () => context.sink.gone.aborted;
  return new Promise<Outcome>((resolve, reject) => {
    const gone = (): Outcome => ({ status: 499, usage: { ...emptyUsage(), inputTokens: request.promptEstimate }, reason: "abort", disconnected: true });
    // The client may be gone already: an abort that fired before this point is never heard again.
    if (context.signal.aborted) return resolve(gone());
    let outgoing: http.ClientRequest;
    let answered = false;
    const onAbort = () => outgoing.destroy();
    const finish = (outcome: Outcome) => {
      context.signal.removeEventListener("abort", onAbort);
      resolve(outcome);
    };
    const fail = (error: unknown) => {
      context.signal.removeEventListener("abort", onAbort);
      reject(error);
    };
    context.signal.addEventListener("abort", onAbort, { once: true });
    const send = (mayRetry: boolean) => {
      outgoing = (isHttps ? https : http).request(url, { method: "POST", headers, agent: isHttps ? agents.https : agents.http, timeout: request.timeoutMs });
      outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${request.timeoutMs} ms`)));
      outgoing.on("error", (error) => onError(error, mayRetry && !answered && isStaleKeepAlive(outgoing, error)));
      outgoing.on("response", onResponse);
      outgoing.end(payload);
    };
    const onError = (error: Error, stale: boolean) => {
      if (clientGone()) return finish(gone());
      // The upstream closed an idle keep-alive connection as this request went out on it: nothing was
      // answered, so the request is sent once more on a fresh connection (node's documented pattern).
      if (stale) return send(false);
      // The client learns what failed, not where: the system error's text names the address.
      const reason = (error as NodeJS.ErrnoException).code ?? "no connection";
      const failure = new GatewayError(502, `Cannot reach the upstream of model ${request.target.model} (${reason}). The gateway's operator should check that it is running.`, "provider_unreachable");
      fail(failure.logging(`Cannot reach the upstream ${request.target.baseUrl} (model ${request.target.model}): ${error.message}`));
    };
    const onResponse = (incoming: http.IncomingMessage) => {
      answered = true;
      const status = incoming.statusCode ?? 502;
      if (status >= 400) {
        readAll(incoming, 1024 * 1024).then(
          (body) => fail(upstreamError(status, body.toString("utf8"), request.target, incoming.headers)),
          (error: unknown) => fail(error instanceof UpstreamTooLargeError ? upstreamError(status, "(an error answer over 1 MiB)", request.target, incoming.headers) : error),
        );
        return;
      }
      const isSse = String(incoming.headers["content-type"] ?? "").includes("text/event-stream");
      if (!context.stream || !isSse) {
        readAll(incoming).then((body) => {
          let usage: Usage | undefined;
          try {
            usage = usageFromJson(JSON.parse(body.toString("utf8")));
          } catch {
            usage = undefined;
          }
          context.sink.answer(status, body, String(incoming.headers["content-type"] ?? "application/json"));
          finish({ status, usage: usage ?? { ...emptyUsage(), inputTokens: request.promptEstimate }, reason: "stop", disconnected: false });
        }, (error: unknown) => {
          if (clientGone()) return finish(gone());
          if (error instanceof UpstreamTooLargeError) {
            return fail(new GatewayError(502, `The upstream ${request.target.baseUrl} (model ${request.target.model}) answered too large: ${error.message}, more than the gateway passes on.`, "upstream_answer_too_large"));
          }
          fail(error);
        });
        return;
      }
      pipeStream(context, incoming, request).then(finish, fail);
    };
    send(true);
  });
}

/** A reset or broken pipe on a reused connection before any answer: the upstream had closed it as idle. */
function isStaleKeepAlive(outgoing: http.ClientRequest, error: NodeJS.ErrnoException): boolean {
  return outgoing.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE");
}

/**
 * How far past its reservation a passed-through stream may run before it is cut: the estimate of tokens
 * in flight is rough (about four characters a token), so an honest upstream that stops at max_tokens is
 * never cut, while one that ignores it is stopped within a quarter (at least 16 tokens) of the reservation.
 */
export function streamCutAt(outputAllowance: number): number {
  return outputAllowance + Math.max(16, Math.ceil(outputAllowance / 4));
}

/** An error in the middle of a passed-through stream, in the error shape of its API's streams (SDKs throw on it). */
function passedStreamError(path: string, error: SparkError): WireEvent {
  if (path === "/responses") return { event: "error", data: { type: "error", code: wireCode(error), message: error.message, param: null } };
  return streamErrorEvent(error);
}

/** The event a client gets when the gateway cuts a stream. */
export function cutEvent(path: string, reserved: number): WireEvent {
  const message = `The upstream generated more than the ${reserved} output tokens reserved for this request (max tokens for each choice); the gateway cut the answer here. Everything generated was charged.`;
  return passedStreamError(path, new GatewayError(502, message, "reservation_exceeded"));
}

/** The event a client gets when the upstream's connection broke before its stream ended. */
function brokenEvent(request: ProxyRequest): WireEvent {
  const message = `The upstream of model ${request.target.model} closed the connection before the answer ended; what came before this is incomplete. Try again.`;
  return passedStreamError(request.path, new GatewayError(502, message, "upstream_stream_broken"));
}

async function pipeStream(context: RunContext, incoming: http.IncomingMessage, request: ProxyRequest): Promise<Outcome> {
  const { sink, meter } = context;
  const clientGone = () => sink.gone.aborted;
  sink.open();
  // Only a bucket that limits tokens needs the cap; without one an answer may run as long as the upstream likes.
  const scanner = new SseUsageScanner(request.stripUsage, context.limitsTokens ? streamCutAt(context.outputAllowance) : undefined);
  let failed = false;
  let cut = false;
  try {
    for await (const chunk of incoming) {
      if (clientGone()) break;
      const out = scanner.push(chunk as Buffer);
      if (scanner.contentFrames > 0) meter.markToken();
      await sink.forward(out);
      // Past the reservation the frames up to the one that passed it are sent, then the upstream is
      // closed, which stops its generation.
      if (scanner.overLimit) {
        cut = true;
        incoming.destroy();
        break;
      }
    }
  } catch {
    failed = !clientGone();
  }
  // A connection that closes without the chunked body's last chunk may end the loop without an error:
  // `complete` tells an answer that ended from one that broke.
  if (!cut && !incoming.complete && !clientGone()) failed = true;
  // A frame cut in half by the break is not passed on: the client gets the error instead.
  if (!cut && !failed) await sink.forward(scanner.flush());
  if (cut) await sink.send([cutEvent(request.path, context.outputAllowance)]);
  // A half frame already passed on is closed first, so the error is an event of its own.
  if (failed) {
    if (scanner.forwardedPartialFrame) await sink.forward("\n\n");
    await sink.send([brokenEvent(request)]);
  }
  sink.end();
  const usage = scanner.usage ?? { ...emptyUsage(), inputTokens: request.promptEstimate, outputTokens: scanner.outputEstimate };
  const reason: FinishReason = clientGone() ? "abort" : failed ? "error" : cut ? "length" : scanner.finishReason;
  return {
    status: clientGone() ? 499 : 200,
    usage,
    reason,
    ...(failed ? { errorCode: "upstream_stream_broken" } : cut ? { errorCode: "reservation_exceeded" } : {}),
    disconnected: clientGone(),
  };
}
