import type { ChatMessage } from "./chat-stream.js";
import type { ConversationApi, SavedMessage } from "./conversation-api.js";
import { GatewayRequestError } from "./gateway-client.js";
import { conversationTitle } from "./conversation-title.js";
import { MessageView, type MessageRenderDeps } from "./message-view.js";
import type { ChatTransport } from "./socket-chat.js";
import type { StatsBar } from "./stats-bar.js";

export interface ChatControllerDeps {
  /** The gateway's socket (steering) or HTTP. */
  transport: ChatTransport;
  conversations: ConversationApi;
  transcript: HTMLElement;
  stats: StatsBar;
  render: MessageRenderDeps;
  model: () => string;
  /** True while an answer streams (the Stop button's state). */
  onBusy: (busy: boolean) => void;
  /** A message was saved: the sidebar lists the conversation first. */
  onSaved: (conversationId: string) => void;
  /** A quiet line under the transcript: errors, "stopped". */
  onStatus: (text: string) => void;
  onNeedKey: () => void;
}

interface RunningTurn {
  controller: AbortController;
  done: Promise<void>;
}

/** One answer on screen while it streams: its bubble, its view, and what came so far. */
interface LiveAnswer {
  bubble: HTMLElement;
  view: MessageView;
  text: string;
  deltas: number;
  startedAt: number;
  firstAt: number | undefined;
  completionTokens: number | undefined;
}

const STATS_INTERVAL_MS = 200;

/** A random conversation key; crypto.randomUUID exists only in secure contexts (not http://LAN-IP). */
function randomKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The conversation on screen: sends messages, streams answers into the transcript, and saves both to the
 * gateway. Sending while an answer streams redirects it: as a steer where the gateway takes one (the
 * partial answer ends, the redirect follows it, the successor's answer streams on), else by interrupting
 * it and sending the message with the partial answer in its history. Either way the partial text is kept,
 * marked interrupted.
 */
export class ChatController {
  private history: ChatMessage[] = [];
  /** The conversation on screen; its id comes with its first save. Saves hold the one they were made for. */
  private thread: { id?: string } = {};
  /** Sent as prompt_cache_key: the local engine keeps this conversation's cache on one sequence. */
  private cacheKey: string = randomKey();
  private running: RunningTurn | undefined;
  private saving: Promise<void> = Promise.resolve();
  /** The answers on screen, drawn again when the theme changes. */
  private answers: MessageView[] = [];

  constructor(private readonly deps: ChatControllerDeps) {}

  get currentConversation(): string | undefined {
    return this.thread.id;
  }

  async send(text: string): Promise<void> {
    // The answer streaming now takes the redirect, and shows it when its successor starts.
    if (this.running && (await this.deps.transport.steer(text))) return;
    // Two quick sends both wait here; whichever resumes second stops the answer the first one started.
    while (this.running) await this.stop();
    this.history.push({ role: "user", content: text });
    this.renderUser(text);
    this.save({ role: "user", content: text, interrupted: false }, text);
    const controller = new AbortController();
    const turn: RunningTurn = { controller, done: this.answer(controller.signal) };
    this.running = turn;
    await turn.done;
  }

  /** Stops the answer being streamed, if any; resolves once it has ended and been saved. */
  async stop(): Promise<void> {
    const turn = this.running;
    if (!turn) return;
    turn.controller.abort();
    await turn.done;
  }

  async open(id: string): Promise<void> {
    await this.stop();
    const conversation = await this.deps.conversations.get(id);
    // A message sent while it loaded started a turn in the conversation being left: end it there first.
    await this.stop();
    this.clearScreen();
    this.thread = { id: conversation.id };
    this.cacheKey = conversation.id;
    this.history = conversation.messages.map(({ role, content }) => ({ role, content }));
    for (const message of conversation.messages) {
      if (message.role === "user") this.renderUser(message.content);
      else this.renderSavedAnswer(message);
    }
  }

  async startNew(): Promise<void> {
    await this.stop();
    this.clearScreen();
    this.thread = {};
    this.cacheKey = randomKey();
    this.history = [];
  }

  /** The theme changed: live blocks drawn in the old one are drawn again. */
  redraw(): void {
    for (const view of this.answers) view.redraw();
  }

  private clearScreen(): void {
    this.answers = [];
    this.deps.transcript.replaceChildren();
    this.deps.onStatus("");
  }

  private renderUser(text: string): void {
    const bubble = this.bubble("user");
    const body = document.createElement("p");
    body.className = "user-text";
    body.textContent = text;
    bubble.append(body);
  }

  private renderSavedAnswer(message: SavedMessage): void {
    const bubble = this.bubble("assistant");
    const view = new MessageView(this.deps.render);
    this.answers.push(view);
    bubble.append(view.element);
    view.append(message.content);
    view.finish();
    bubble.dataset.finish = message.interrupted ? "abort" : "stop";
  }

  private bubble(role: "user" | "assistant"): HTMLElement {
    const bubble = document.createElement("article");
    bubble.className = `message ${role}`;
    bubble.setAttribute("aria-label", role === "user" ? "You" : "Spark");
    this.deps.transcript.append(bubble);
    bubble.scrollIntoView({ block: "end" });
    return bubble;
  }

  private startAnswer(): LiveAnswer {
    const bubble = this.bubble("assistant");
    bubble.dataset.finish = "streaming";
    const view = new MessageView(this.deps.render);
    this.answers.push(view);
    bubble.append(view.element);
    this.deps.stats.reset();
    return { bubble, view, text: "", deltas: 0, startedAt: performance.now(), firstAt: undefined, completionTokens: undefined };
  }

  private showSpeed(answer: LiveAnswer): void {
    if (answer.firstAt !== undefined) this.deps.stats.showSpeed(answer.completionTokens ?? answer.deltas, (performance.now() - answer.firstAt) / 1000);
  }

  /** Ends an answer on screen and saves it (an empty one is not saved). */
  private endAnswer(answer: LiveAnswer, reason: string, thread: { id?: string }): void {
    answer.view.finish();
    this.showSpeed(answer);
    answer.bubble.dataset.finish = reason;
    if (answer.text === "") return;
    this.history.push({ role: "assistant", content: answer.text });
    this.save({ role: "assistant", content: answer.text, interrupted: reason === "abort" || reason === "steered" }, answer.text, thread);
  }

  /** A steer ended the answer: it stays as it is, the redirect follows it, and the successor's answer starts. */
  private redirected(answer: LiveAnswer, redirect: string, thread: { id?: string }): LiveAnswer {
    this.endAnswer(answer, "steered", thread);
    this.history.push({ role: "user", content: redirect });
    this.renderUser(redirect);
    this.save({ role: "user", content: redirect, interrupted: false }, redirect, thread);
    return this.startAnswer();
  }

  private async answer(signal: AbortSignal): Promise<void> {
    const { stats } = this.deps;
    const thread = this.thread;
    this.deps.onBusy(true);
    this.deps.onStatus("");
    let answer = this.startAnswer();
    let statsAt = 0;
    let reason = "stop";
    let failed = false;
    try {
      for await (const event of this.deps.transport.stream({ model: this.deps.model(), messages: [...this.history], cacheKey: this.cacheKey }, signal)) {
        if (event.type === "text-delta") {
          if (answer.firstAt === undefined) stats.showTtft((answer.firstAt = performance.now()) - answer.startedAt);
          answer.text += event.text;
          answer.deltas += event.deltas;
          answer.view.append(event.text);
          if (performance.now() - statsAt > STATS_INTERVAL_MS) {
            statsAt = performance.now();
            this.showSpeed(answer);
          }
        } else if (event.type === "steered") answer = this.redirected(answer, event.text, thread);
        else if (event.type === "quota") stats.showQuota(event.quota);
        else if (event.type === "usage") answer.completionTokens = event.completionTokens;
        else if (event.type === "finish") reason = event.reason;
        else {
          failed = true;
          this.deps.onStatus(`The model failed: ${event.message}`);
        }
      }
    } catch (error) {
      reason = "error";
      if (error instanceof GatewayRequestError && error.needsKey) this.deps.onNeedKey();
      this.deps.onStatus(error instanceof Error ? error.message : String(error));
    }
    this.endAnswer(answer, reason, thread);
    if (reason === "abort" && !failed) this.deps.onStatus("Stopped; the partial answer is kept.");
    this.running = undefined;
    this.deps.onBusy(false);
    await this.saving;
  }

  /** Saves in order, creating the conversation on its first message; a failure is reported, not thrown. */
  private save(message: SavedMessage, titleSource: string, thread = this.thread): void {
    const model = this.deps.model();
    this.saving = this.saving.then(async () => {
      try {
        thread.id ??= (await this.deps.conversations.create(conversationTitle(titleSource), model)).id;
        await this.deps.conversations.append(thread.id, message);
        this.deps.onSaved(thread.id);
      } catch (error) {
        this.deps.onStatus(`Could not save the conversation: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}
