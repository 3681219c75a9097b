import { TokenPredictor, type LlamaContextSequence, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";
import { DraftPolicy, type DraftPolicyOptions } from "./draft-policy.js";
import type { PredictionFollower } from "./prediction-follower.js";

/** What drafts tokens for one request. */
export type SpeculationMode = "prediction" | "input-lookup" | "draft" | "off";

export interface PredictorSources {
  prediction: PredictionFollower;
  inputLookup: TokenPredictor;
  draft?: TokenPredictor;
}

export interface SpeculationStats {
  mode: SpeculationMode;
  proposed: number;
  accepted: number;
  /** Drafts made (each one verification batch). */
  drafts: number;
  /** True when the draft policy held drafting back at some point of the request. */
  paused: boolean;
}

/**
 * The one token predictor a context sequence holds. Each request picks its source (the predicted output,
 * prompt lookup, or a draft model); each draft's outcome goes to the DraftPolicy, which sets the length
 * of the next one and holds drafting back when drafts do not pay, so decoding is never much slower
 * than without speculation.
 */
export class RequestPredictor extends TokenPredictor {
  private mode: SpeculationMode = "off";
  private pendingDraft: Token[] = [];
  private stats: SpeculationStats = { mode: "off", proposed: 0, accepted: 0, drafts: 0, paused: false };
  private readonly policy: DraftPolicy;
  /** Length of the pending draft and how many of its tokens were accepted so far. */
  private draftLength = 0;
  private acceptedOfDraft = 0;
  /** Whether the active source was told to stop while drafting is held back (a draft model runs ahead otherwise). */
  private sourceStopped = false;
  /** Tokens the request may still generate: a draft never reaches past them (its tail would be verified for nothing). */
  private remaining = Infinity;

  constructor(
    private readonly sources: PredictorSources,
    policy?: DraftPolicyOptions,
  ) {
    super();
    this.policy = new DraftPolicy(policy);
  }

  get hasDraftModel(): boolean {
    return this.sources.draft !== undefined;
  }

  /**
   * Chooses the source for the next request; `predictionTokens` is the tokenized predicted output, `maxTokens`
   * the request's token limit.
   */
  beginRequest(mode: SpeculationMode, predictionTokens: readonly Token[] = [], maxTokens = Infinity): void {
    this.remaining = maxTokens;
    this.mode = mode === "draft" && !this.sources.draft ? "input-lookup" : mode;
    if (this.mode === "prediction") this.sources.prediction.setTarget(predictionTokens);
    this.pendingDraft = [];
    this.draftLength = 0;
    this.sourceStopped = false;
    this.policy.begin();
    this.stats = { mode: this.mode, proposed: 0, accepted: 0, drafts: 0, paused: false };
  }

  requestStats(): SpeculationStats {
    return { ...this.stats };
  }

  private get active(): TokenPredictor | undefined {
    switch (this.mode) {
      case "prediction":
        return this.sources.prediction;
      case "input-lookup":
        return this.sources.inputLookup;
      case "draft":
        return this.sources.draft;
      case "off":
        return undefined;
    }
  }

  reset(params: { targetSequence: LlamaContextSequence; stateTokens: Token[]; evaluateOptions: Readonly<SequenceEvaluateOptions> }): Promise<void> | void {
    // The sequence moved on (a redirect, a new evaluation) with a draft pending: it was verified, so its
    // unaccepted rest cost as much as a rejection and is charged as one, as in predictTokens.
    if (this.pendingDraft.length > 0) this.settlePending();
    return this.active?.reset(params);
  }

  override updateInputTokens(tokens: Token[]): void {
    this.active?.updateInputTokens(tokens);
  }

  pushTokens(tokens: Token[]): void {
    for (const token of tokens) this.recordOutcome(token);
    this.remaining -= tokens.length;
    this.policy.generated(tokens.length);
    this.active?.pushTokens(tokens);
  }

  /** A drafted token is accepted when the output produces it next; the first miss rejects the rest. */
  private recordOutcome(token: Token): void {
    if (this.pendingDraft.length === 0) return;
    const accepted = this.pendingDraft[0] === token;
    if (accepted) {
      this.pendingDraft.shift();
      this.stats.accepted++;
      this.acceptedOfDraft++;
    }
    if (!accepted || this.pendingDraft.length === 0) this.settlePending();
  }

  private settlePending(): void {
    this.policy.settled(this.draftLength, this.acceptedOfDraft);
    this.pendingDraft = [];
    this.draftLength = 0;
  }

  async predictTokens(): Promise<Token[]> {
    const active = this.active;
    if (!active) return [];
    // A draft still pending when new drafts are asked for was not used: its rest counts as rejected.
    if (this.pendingDraft.length > 0) this.settlePending();
    const limit = this.policy.nextLength();
    if (limit === 0) {
      this.stats.paused = true;
      if (!this.sourceStopped) await active.stop();
      this.sourceStopped = true;
      return [];
    }
    this.sourceStopped = false;
    // A verification batch yields its draft plus one sampled token; nothing past the request's last token.
    const draft = (await active.predictTokens()).slice(0, Math.max(0, Math.min(limit, this.remaining - 1)));
    this.pendingDraft = draft.slice();
    this.draftLength = draft.length;
    this.acceptedOfDraft = 0;
    this.stats.proposed += draft.length;
    if (draft.length > 0) this.stats.drafts++;
    return draft;
  }

  override stop(untilPredictionsExhausted?: boolean): Promise<void> | void {
    return this.active?.stop(untilPredictionsExhausted);
  }

  override async dispose(): Promise<void> {
    await this.sources.inputLookup.dispose();
    await this.sources.prediction.dispose();
    await this.sources.draft?.dispose();
  }
}
