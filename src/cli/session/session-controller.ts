import { compactConversation, defaultTools, type AgentStatus, type ContextPolicy, type Tool } from "../../agent/index.js";
import type { ModelClient } from "../../models/index.js";
import type { ApprovalMode } from "../../sandbox/index.js";
import type { SparkStores } from "../../store/index.js";
import { agentContextPolicy, sandboxFor, type AgentWiring, type ModelSwitcher, type OpenedModel } from "../../runtime/index.js";
import { paint } from "./ansi-style.js";
import { compactedLines, errorLines, notShrunkLines, runTurn, type TurnContext } from "./agent-turn.js";
import { Conversation } from "./conversation.js";
import type { FrameTrace, InterruptRecord } from "./frame-trace.js";
import { resumedHeader, storedMessageLines } from "./history-lines.js";
import { LiveMeter } from "./live-meter.js";
import { ApprovalAsker } from "./approval-asker.js";
import { Prewarmer, prewarmTarget, type PrewarmTarget } from "./prewarmer.js";
import { reviewSessionChanges } from "./review-session.js";
import type { CommandHost } from "./command-host.js";
import { isCommand, runCommand } from "./slash-commands.js";
import { ViewStore, type RenderMode, type SessionState } from "./view-store.js";
import { errorMessage } from "../../core/index.js";

/**
 * The interactive session's logic, apart from its components: sends messages as agent turns, keeps the
 * input live while a turn runs (Enter redirects, Tab queues), interrupts at once on Esc (the turn's
 * AbortSignal cancels the model call or the running tool; the partial answer is kept), asks for
 * approvals, and runs the slash commands. A redirect is steered into the answer streaming now where the
 * client can (ModelClient.steer: a Responses WebSocket), else the turn is interrupted and the redirect
 * sent as the next one. While the user types, the conversation so far is prewarmed (Prewarmer).
 */

export interface SessionDeps {
  wiring: AgentWiring;
  stores: SparkStores;
  models: ModelSwitcher;
  systemPrompt: string;
  mode: RenderMode;
  columns: () => number;
  rows: () => number;
  trace?: FrameTrace | undefined;
  tools?: readonly Tool[];
}

interface RunningTurn {
  /** A model turn, or a command that must not overlap one (/compact, /review): same busy state, same Esc. */
  kind: "turn" | "command";
  controller: AbortController;
  done: Promise<void>;
  interrupt: InterruptRecord | undefined;
  interruptAt: number | undefined;
  /** The model client a turn streams from: a redirect is steered into it. */
  client?: ModelClient;
}

export class SessionController implements CommandHost {
  readonly view: ViewStore;
  readonly stores: SparkStores;
  readonly models: ModelSwitcher;
  readonly workspace: string;
  private conversation: Conversation;
  private readonly wiring: AgentWiring;
  private readonly meter = new LiveMeter();
  private state: SessionState = "idle";
  private turn: RunningTurn | undefined;
  private redirect: string | undefined;
  private queue: string[] = [];
  private readonly exitListeners = new Set<() => void>();
  private ticker: NodeJS.Timeout | undefined;
  private inputSerial = 0;
  private lastCtrlC = -Infinity;
  private exiting = false;
  private contextFill: number | undefined;
  /** Per model client: its window and how the session is compacted on it. */
  private readonly policies = new WeakMap<ModelClient, Promise<ContextPolicy>>();
  private readonly prewarmer = new Prewarmer(() => this.prewarmTarget());
  private readonly approvals: ApprovalAsker;

  constructor(private readonly deps: SessionDeps) {
    this.stores = deps.stores;
    this.models = deps.models;
    this.wiring = { ...deps.wiring };
    this.workspace = deps.wiring.workspace;
    this.conversation = Conversation.fresh(deps.stores.sessions, this.workspace, deps.systemPrompt);
    this.view = new ViewStore({
      mode: deps.mode,
      columns: deps.columns,
      trace: deps.trace,
      status: () => ({
        ...this.meter.figures(),
        model: this.models.current.client.displayName,
        state: this.state,
        approvalMode: this.wiring.approvalMode,
        sessionId: this.conversation.sessionId,
        contextFill: this.contextFill,
      }),
    });
    this.approvals = new ApprovalAsker({ view: this.view, state: () => this.state, setState: (state) => this.setState(state), rows: () => deps.rows() });
  }

  busy(): boolean {
    return this.turn !== undefined;
  }

  sessionId(): string | undefined {
    return this.conversation.sessionId;
  }

  approvalMode(): ApprovalMode {
    return this.wiring.approvalMode;
  }

  /** What the user sent in this conversation, oldest first (the input box's ↑ history). */
  history(): string[] {
    return this.conversation.userTexts();
  }

  onExit(listener: () => void): () => void {
    this.exitListeners.add(listener);
    return () => this.exitListeners.delete(listener);
  }

  /** Enter ("send": now, interrupting a running turn) or Tab ("queue": after the running turn). */
  submit(raw: string, how: "send" | "queue"): void {
    const text = raw.trim();
    if (text === "" || this.exiting) return;
    if (!this.turn) {
      if (isCommand(text)) void runCommand(this, text).then(() => this.view.touch());
      else this.startTurn(text);
      return;
    }
    if (how === "queue" || (this.turn.kind === "command" && !isCommand(text))) {
      // A command such as /compact has no answer to redirect: the message waits for it (Esc cancels it).
      if (how === "send" && this.turn.kind === "command") this.view.print([paint.dim("Queued: sent when the command ends (Esc cancels the command).")]);
      this.queue.push(text);
      this.view.set({ queued: [...this.queue] });
    } else if (isCommand(text)) {
      void runCommand(this, text).then(() => this.view.touch());
    } else if (this.redirect !== undefined) {
      // A second Enter before the interrupted turn has ended: sent after the first redirect.
      this.queue.push(text);
      this.view.set({ queued: [...this.queue] });
    } else {
      this.redirect = text;
      this.steerOrInterrupt(this.turn, text);
    }
  }

  /** A redirect: steered into the answer streaming now if the client takes it, else the turn is interrupted (redirect next). */
  private steerOrInterrupt(turn: RunningTurn, text: string): void {
    const steerable = turn.kind === "turn" && turn.client?.steer !== undefined && (this.state === "streaming" || this.state === "waiting");
    if (!steerable || !turn.client?.steer) return void this.interrupt();
    // A steer that fails to send counts as refused: the turn is interrupted and the redirect sent after it.
    void turn.client.steer([{ role: "user", content: text }]).catch(() => false).then((accepted) => {
      if (!accepted && this.turn === turn && this.redirect === text) this.interrupt();
    });
  }

  /** The input box's text changed: prewarm the conversation once the user pauses. */
  draftChanged(text: string): void {
    this.prewarmer.typed(isCommand(text.trim()) ? "" : text);
  }

  private prewarmTarget(): PrewarmTarget | undefined {
    if (this.turn || this.exiting) return undefined;
    return prewarmTarget(this.models.current, this.conversation, this.deps.tools ?? defaultTools);
  }

  /** Esc: stop the running turn now. Returns false when nothing was running. */
  interrupt(): boolean {
    const turn = this.turn;
    if (!turn || turn.controller.signal.aborted) return false;
    turn.interruptAt = performance.now();
    turn.interrupt = this.deps.trace?.interruptRequested(turn.interruptAt);
    turn.controller.abort(new Error("interrupted by the user"));
    this.setState("interrupting");
    this.view.set({ approval: undefined }, true);
    return true;
  }

  /** Ctrl-C: interrupts a running turn; twice in a row, or when idle, leaves. */
  ctrlC(): void {
    const now = performance.now();
    const twice = now - this.lastCtrlC < 1500;
    this.lastCtrlC = now;
    if (!twice && this.interrupt()) return;
    this.exit();
  }

  exit(): void {
    if (this.exiting) return;
    this.exiting = true;
    this.prewarmer.stop();
    this.turn?.controller.abort(new Error("the session is closing"));
    for (const listener of this.exitListeners) listener();
  }

  /** Waits for a running turn to stop and releases the view; the caller closes models and stores. */
  async close(): Promise<void> {
    this.exiting = true;
    this.prewarmer.stop();
    this.turn?.controller.abort(new Error("the session is closing"));
    // Neither a turn nor a prewarm may still use the model when the caller closes it.
    await Promise.all([this.turn?.done, this.prewarmer.settled()]);
    this.stopTicker();
    this.view.dispose();
  }

  async setApprovalMode(mode: ApprovalMode): Promise<void> {
    const sandbox = mode === "full-auto" ? (this.wiring.sandbox ?? (await sandboxFor(mode, this.wiring.sandboxSettings))) : this.wiring.sandbox;
    this.wiring.approvalMode = mode;
    this.wiring.sandbox = sandbox;
  }

  newConversation(): void {
    this.conversation = Conversation.fresh(this.stores.sessions, this.workspace, this.deps.systemPrompt);
    this.meter.resetTotal();
    this.contextFill = undefined;
    this.view.print([paint.dim("── new conversation ──")]);
  }

  resume(id: string): void {
    const info = this.stores.sessions.get(id);
    if (!info) {
      this.view.print(errorLines(`There is no saved session ${id}.`));
      return;
    }
    const { conversation, stored } = Conversation.resumed(this.stores.sessions, info);
    this.conversation = conversation;
    this.meter.resetTotal();
    this.view.print([...resumedHeader(info), ...storedMessageLines(stored, this.deps.columns)]);
  }

  modelChanged(): void {
    this.view.touch();
  }

  private contextPolicy(model: OpenedModel): Promise<ContextPolicy> {
    let policy = this.policies.get(model.client);
    if (!policy) {
      policy = agentContextPolicy(this.models.runtime, model);
      this.policies.set(model.client, policy);
      policy.catch(() => this.policies.delete(model.client));
    }
    return policy;
  }

  /**
   * Runs a command that changes the conversation or waits on a model (/compact, /review) as the session's
   * busy operation: other commands that need an idle session wait, messages are queued, Esc aborts `signal`.
   * Resolves when it has ended.
   */
  runBusy(activity: string, work: (signal: AbortSignal) => Promise<void>, stoppedNote = "nothing changed"): Promise<void> {
    if (this.turn) return Promise.resolve();
    const controller = new AbortController();
    const turn: RunningTurn = { kind: "command", controller, done: Promise.resolve(), interrupt: undefined, interruptAt: undefined };
    this.turn = turn;
    this.startTicker();
    this.setState("waiting");
    this.view.set({ activity });
    turn.done = work(controller.signal)
      .then((): AgentStatus => (controller.signal.aborted ? "interrupted" : "completed"))
      .catch((error: unknown): AgentStatus => {
        if (controller.signal.aborted) return "interrupted";
        this.view.print(errorLines(errorMessage(error)));
        return "failed";
      })
      .then((status) => {
        this.view.set({ activity: undefined });
        if (status === "interrupted") this.view.print([paint.dim(`Interrupted: ${activity.replace(/…$/, "")} stopped; ${stoppedNote}.`)]);
        this.afterTurn(status);
      });
    return turn.done;
  }

  /**
   * /review: the drafter–reviewer loop on this session's changes, the current model revising in this
   * conversation (its rounds shown like turns, its patches checkpointed in this session); Esc stops it.
   */
  review(): Promise<void> {
    const model = this.models.current;
    return this.runBusy(
      "reviewing the session's changes…",
      async (signal) => {
        await reviewSessionChanges({ ...(await this.agentContext(model, () => undefined)), runtime: this.models.runtime }, signal);
      },
      "the patches made so far stay (/undo restores them)",
    );
  }

  /** /compact: summarises the older turns now, as a busy operation that Esc cancels (nothing changes then). */
  compact(): Promise<void> {
    const model = this.models.current;
    // The conversation as it is now: a /new or /resume cannot run meanwhile, and the result applies to this one only.
    const conversation = this.conversation;
    return this.runBusy("compacting the conversation…", async (signal) => {
      const policy = await this.contextPolicy(model);
      const summarizer = policy.summarizer ? await policy.summarizer().catch(() => model.client) : model.client;
      if (signal.aborted) return;
      const tools = (this.deps.tools ?? defaultTools).map((tool) => tool.definition);
      const compaction = await compactConversation({ client: model.client, messages: [...conversation.messages], tools, policy, cacheKey: conversation.sessionId, signal }, summarizer);
      if (signal.aborted || this.conversation !== conversation) return;
      if (!compaction) {
        this.view.print([paint.dim("Nothing to compact: the conversation has no older turns yet.")]);
        return;
      }
      // A summary longer than the turns it replaces (short turns, a rambling summariser) would only cost tokens.
      if (compaction.tokensAfter >= compaction.tokensBefore) {
        this.view.print(notShrunkLines(compaction.tokensBefore, compaction.tokensAfter));
        return;
      }
      conversation.replaceWith(compaction.messages);
      this.contextFill = compaction.tokensAfter / policy.windowTokens;
      this.view.print(compactedLines(compaction.tokensBefore, compaction.tokensAfter));
    });
  }

  private setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.view.touch();
  }

  private startTurn(text: string): void {
    const controller = new AbortController();
    const model = this.models.current;
    const turn: RunningTurn = { kind: "turn", controller, done: Promise.resolve(), interrupt: undefined, interruptAt: undefined, client: model.client };
    this.turn = turn;
    this.startTicker();
    // A prewarm still running evaluates the start of this turn's prompt: the turn goes on from it.
    turn.done = this.prewarmer
      .settled(controller.signal)
      .then(() => this.runTurnOn(model, turn, text))
      .catch((error: unknown): AgentStatus => {
        this.view.print(errorLines(errorMessage(error)));
        return "failed";
      })
      .then((status) => this.afterTurn(status));
  }

  private async runTurnOn(model: OpenedModel, turn: RunningTurn, text: string): Promise<AgentStatus> {
    const onStopped = () => {
      if (turn.interrupt && turn.interruptAt !== undefined) turn.interrupt.stoppedMs = performance.now() - turn.interruptAt;
    };
    const context = {
      ...(await this.agentContext(model, onStopped)),
      // A steered redirect is in the conversation now: nothing to send after the turn.
      onSteered: (input: string) => (this.redirect = this.redirect === input ? undefined : this.redirect),
    };
    return runTurn(context, text, turn.controller.signal);
  }

  /** What an agent run in this session needs (a turn, /review's rounds): the screen, conversation, model, tools and approvals. */
  private async agentContext(model: OpenedModel, onStopped: () => void): Promise<TurnContext> {
    // Without a known window (a model that fails to load) the run goes uncounted and fails itself, saying why.
    const contextPolicy = await this.contextPolicy(model).catch(() => undefined);
    return {
      view: this.view,
      meter: this.meter,
      conversation: this.conversation,
      model,
      wiring: { ...this.wiring },
      stores: this.stores,
      setState: (state) => this.setState(state),
      ask: (request, signal) => this.approvals.ask(request, signal),
      onStopped,
      ...(this.deps.tools ? { tools: this.deps.tools } : {}),
      ...(contextPolicy ? { contextPolicy } : {}),
      onContextFill: (fill) => (this.contextFill = fill),
    };
  }

  private afterTurn(status: AgentStatus): void {
    this.turn = undefined;
    this.stopTicker();
    const restoreQueued = !this.exiting && this.redirect === undefined && status === "interrupted" && this.queue.length > 0;
    if (restoreQueued) {
      // Esc stops everything: what was queued goes back to the input box (before "ready" shows), to send or drop.
      this.view.set({ queued: [], inputRestore: { text: this.queue.join("\n"), serial: ++this.inputSerial } });
      this.queue = [];
    }
    this.setState("idle");
    if (this.exiting || restoreQueued) return;
    const redirect = this.redirect;
    this.redirect = undefined;
    if (redirect !== undefined) return this.startTurn(redirect);
    const next = this.queue.shift();
    this.view.set({ queued: [...this.queue] });
    if (next !== undefined) this.submit(next, "send");
  }

  private startTicker(): void {
    this.ticker ??= setInterval(() => this.view.touch(), 250);
  }

  private stopTicker(): void {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
