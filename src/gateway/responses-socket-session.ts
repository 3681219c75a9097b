import type { RawData } from "ws";
import type WebSocket from "ws";
import { errorMessage } from "../core/index.js";
import { badRequest, GatewayError, toGatewayError, wireCode } from "./openai-error.js";
import { ResponseChainStore, type StoredResponse } from "./response-chain-store.js";
import { prepareCreate } from "./socket-create.js";
import { SocketEventSink } from "./socket-event-sink.js";
import { SocketLane } from "./socket-lane.js";
import { readStoredConversation } from "./stored-responses.js";
import type { SocketLimits } from "./socket-limits.js";
import { steer, type SteerTarget } from "./socket-steer.js";
import { runTurn, type RunningTurn, type TurnContext } from "./socket-turn.js";

type Json = Record<string, unknown>;

/** The event's `stream_id`: absent, or a short string. */
function streamIdOf(event: Json, limits: SocketLimits): string | undefined {
  const id = event["stream_id"];
  if (id === undefined || id === null) return undefined;
  if (typeof id !== "string" || id === "" || id.length > limits.maxStreamIdLength) {
    throw badRequest(`'stream_id' must be a non-empty string of at most ${limits.maxStreamIdLength} characters.`, "stream_id", "invalid_value");
  }
  return id;
}

function parseEvent(data: RawData, isBinary: boolean): Json {
  if (isBinary) throw badRequest("Send each event as a text frame holding one JSON object; binary frames are not read.", null, "invalid_event");
  let event: unknown;
  try {
    event = JSON.parse(Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString("utf8"));
  } catch (error) {
    throw badRequest(`The event is not valid JSON (${errorMessage(error)}). Send one JSON object per frame.`, null, "invalid_json");
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) throw badRequest("An event must be a JSON object with a 'type'.", null, "invalid_event");
  const type = (event as Json)["type"];
  if (typeof type !== "string") throw badRequest("An event needs a string 'type' (response.create, response.steer, response.interrupt or response.cancel).", "type", "missing_required_parameter");
  return event as Json;
}

/**
 * One Responses WebSocket: reads client events, runs `response.create` on its lane, steers and interrupts
 * running responses, and keeps the socket's response chain. Every mistake a client can make is answered
 * with an `error` event on the socket, which stays open; closing the socket stops everything it runs.
 */
export class ResponsesSocketSession {
  private readonly lanes = new Map<string, SocketLane>();
  private readonly chains: ResponseChainStore;
  private turns = 0;
  private shutting = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly context: Omit<TurnContext, "chains">,
    private readonly limits: SocketLimits,
  ) {
    this.chains = new ResponseChainStore({ maxResponses: limits.chainMaxResponses, maxBytes: limits.chainMaxBytes, ttlMs: limits.chainTtlMs });
  }

  receive(data: RawData, isBinary: boolean): void {
    let streamId: string | undefined;
    try {
      const event = parseEvent(data, isBinary);
      streamId = streamIdOf(event, this.limits);
      this.dispatch(event, streamId);
    } catch (error) {
      void this.fail(error, streamId);
    }
  }

  private dispatch(event: Json, streamId: string | undefined): void {
    const type = String(event["type"]);
    if (type === "response.create") return this.create(event, streamId);
    if (type === "response.steer") return void steer(this.steerTarget(streamId), event, this.context.metrics);
    if (type === "response.interrupt" || type === "response.cancel") return this.interrupt(event, streamId);
    throw badRequest(`Unknown event type '${type.slice(0, 100)}'. This socket takes response.create, response.steer, response.interrupt and response.cancel.`, "type", "unknown_event_type");
  }

  private lane(streamId: string | undefined): SocketLane {
    const key = streamId ?? "";
    let lane = this.lanes.get(key);
    if (lane) return lane;
    if (this.lanes.size >= this.limits.maxLanes) {
      throw badRequest(`This socket already runs ${this.limits.maxLanes} lanes (stream_id); wait for one to finish or open another socket.`, "stream_id", "too_many_streams");
    }
    lane = new SocketLane(streamId, streamId === undefined ? 0 : this.limits.maxQueued, (idle) => this.lanes.delete(idle.streamId ?? ""));
    this.lanes.set(key, lane);
    return lane;
  }

  private create(event: Json, streamId: string | undefined): void {
    if (!this.authorized(streamId)) return;
    const lane = this.lane(streamId);
    if (!lane.submit((running) => this.run(lane, event, running))) {
      throw new GatewayError(
        400,
        streamId === undefined
          ? "A response is already in progress on this socket. Wait for its response.completed (or send response.interrupt), or give each parallel conversation a stream_id."
          : `The lane '${streamId}' already has a response running and ${this.limits.maxQueued} waiting. Wait for one to finish.`,
        "conversation_already_has_active_response",
      );
    }
  }

  /** One response of a lane; a steered one is followed at once by its successor with the steer's input. */
  private async run(lane: SocketLane, event: Json, running: RunningTurn): Promise<void> {
    // Checked again here: a queued response or a steer's successor may start after the key was revoked.
    if (!this.authorized(lane.streamId)) return;
    try {
      const stored = await runTurn({ ...this.context, chains: this.chains }, new SocketEventSink(this.socket, lane.streamId, this.context.coalesceDeltas), prepareCreate(this.context.gateway.router, this.chains, event, (id) => this.stored(id)), running);
      if (event["generate"] !== false) this.turns++;
      lane.last = stored;
      const steered = running.steerInput;
      if (stored && steered && running.stoppedBy === "steered") {
        lane.follow((successor) => this.run(lane, { ...event, generate: true, input: steered, previous_response_id: stored.id }, successor));
      }
    } catch (error) {
      await this.fail(error, lane.streamId);
    }
  }

  /** A response this socket's key made with `store: true` (over HTTP or another socket), as a chain entry. */
  private stored(id: string): StoredResponse | undefined {
    const { gateway, principal } = this.context;
    const conversation = readStoredConversation(gateway.responses, principal.id, id);
    return conversation && { id, conversation, root: id, prewarm: false, status: "completed", pendingCalls: 0 };
  }

  private steerTarget(streamId: string | undefined): SteerTarget {
    const lane = this.lanes.get(streamId ?? "");
    return { running: lane?.running, last: lane?.last, chains: this.chains, sink: new SocketEventSink(this.socket, streamId) };
  }

  private interrupt(event: Json, streamId: string | undefined): void {
    const running = this.lanes.get(streamId ?? "")?.running;
    const id = event["response_id"];
    if (running && (id === undefined || id === running.responseId)) running.stop("interrupted");
  }

  /**
   * Whether the socket's principal may still make requests (the key not revoked; no key created since an
   * anonymous handshake). If not, the socket is told why and closed (responses-socket-route.ts also
   * sweeps idle sockets so).
   */
  authorized(streamId?: string): boolean {
    const refusal = this.context.gateway.auth.refusal(this.context.principal);
    if (refusal) void this.shut(refusal, streamId);
    return refusal === undefined;
  }

  /** Sends the refusal as an `error` event, then closes with 1008 (policy violation): its reason is the code. */
  private async shut(refusal: GatewayError, streamId: string | undefined): Promise<void> {
    if (this.shutting) return;
    this.shutting = true;
    await this.fail(refusal, streamId);
    this.socket.close(1008, wireCode(refusal));
  }

  private async fail(error: unknown, streamId: string | undefined): Promise<void> {
    const failure = toGatewayError(error);
    this.context.metrics.clientErrors.inc({ code: wireCode(failure) });
    await new SocketEventSink(this.socket, streamId).fail(failure, []);
  }

  /** The socket closed: stops every lane's response (charged what it generated) and forgets the chain. */
  close(): void {
    for (const lane of this.lanes.values()) lane.stop("interrupted");
    this.chains.clear();
    this.context.metrics.turnsPerSocket.observe(this.turns);
  }
}
