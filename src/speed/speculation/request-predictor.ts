import { TokenPredictor, type LlamaContextSequence, type SequenceEvaluateOptions, type Token } from "node-llama-cpp";
import type { PredictionFollower } from "./prediction-follower.js";

/** What drafts tokens for one request. */
export type SpeculationMode = "prediction" | "input-lookup" | "draft" | "off";

export interface AdaptiveOptions {
  /** How many recent drafted tokens the acceptance rate is measured over. */
  window: number;
  /** Under this acceptance rate over a full window, speculation stops for the rest of the request. */
  minAcceptance: number;
  /** This many drafts in a row with not one token accepted also stop it. */
  maxConsecutiveMisses: number;
}

export const defaultAdaptive: AdaptiveOptions = { window: 64, minAcceptance: 0.25, maxConsecutiveMisses: 6 };
/** Drafts start short (a wrong guess costs little), double while fully accepted, halve after a miss. */
const initialDraftLimit = 4;
const maxDraftLimit = 16;

export interface PredictorSources {
  prediction: PredictionFollower;
  inputLookup: TokenPredictor;
  draft?: TokenPredictor;
}

export interface SpeculationStats {
  mode: SpeculationMode;
  proposed: number;
  accepted: number;
  /** True when the adaptive check switched speculation off during the request. */
  switchedOff: boolean;
}

/**
 * The one token predictor a context sequence holds. Each request picks its source (the predicted output,
 * prompt lookup, or a draft model) and the acceptance of its drafts is tracked, so speculation that does
 * not pay off switches itself off and decoding is never much slower than without it.
 */
export class RequestPredictor extends TokenPredictor {
  private mode: SpeculationMode = "off";
  private pendingDraft: Token[] = [];
  /** Outcome of each recent drafted token: accepted or not. */
  private outcomes: boolean[] = [];
  private stats: SpeculationStats = { mode: "off", proposed: 0, accepted: 0, switchedOff: false };
  private draftLimit = initialDraftLimit;
  private consecutiveMisses = 0;
  /** Tokens of the pending draft accepted so far, to tell a total miss from a partial one. */
  private acceptedOfDraft = 0;

  constructor(
    private readonly sources: PredictorSources,
    private readonly adaptive: AdaptiveOptions = defaultAdaptive,
  ) {
    super();
  }

  get hasDraftModel(): boolean {
    return this.sources.draft !== undefined;
  }

  /** Chooses the source for the next request; `predictionTokens` is the tokenized predicted output. */
  beginRequest(mode: SpeculationMode, predictionTokens: readonly Token[] = []): void {
    this.mode = mode === "draft" && !this.sources.draft ? "input-lookup" : mode;
    if (this.mode === "prediction") this.sources.prediction.setTarget(predictionTokens);
    this.pendingDraft = [];
    this.outcomes = [];
    this.draftLimit = initialDraftLimit;
    this.consecutiveMisses = 0;
    this.stats = { mode: this.mode, proposed: 0, accepted: 0, switchedOff: false };
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
    this.pendingDraft = [];
    return this.active?.reset(params);
  }

  override updateInputTokens(tokens: Token[]): void {
    this.active?.updateInputTokens(tokens);
  }

  pushTokens(tokens: Token[]): void {
    for (const token of tokens) this.recordOutcome(token);
    this.active?.pushTokens(tokens);
  }

  /** A drafted token is accepted when the output produces it next; the first miss rejects the rest. */
  private recordOutcome(token: Token): void {
    if (this.pendingDraft.length === 0) return;
    if (this.pendingDraft[0] === token) {
      this.pendingDraft.shift();
      this.stats.accepted++;
      this.acceptedOfDraft++;
      this.consecutiveMisses = 0;
      this.outcomes.push(true);
      if (this.pendingDraft.length === 0) this.draftLimit = Math.min(maxDraftLimit, this.draftLimit * 2);
    } else {
      this.rejectPending();
    }
    if (this.outcomes.length > this.adaptive.window) this.outcomes.splice(0, this.outcomes.length - this.adaptive.window);
  }

  private rejectPending(): void {
    if (this.pendingDraft.length === 0) return;
    if (this.acceptedOfDraft === 0) this.consecutiveMisses++;
    this.outcomes.push(...this.pendingDraft.map(() => false));
    this.pendingDraft = [];
    this.draftLimit = Math.max(1, Math.floor(this.draftLimit / 2));
  }

  private pays(): boolean {
    if (this.consecutiveMisses >= this.adaptive.maxConsecutiveMisses) return false;
    if (this.outcomes.length < this.adaptive.window) return true;
    const accepted = this.outcomes.filter(Boolean).length;
    return accepted / this.outcomes.length >= this.adaptive.minAcceptance;
  }

  async predictTokens(): Promise<Token[]> {
    const active = this.active;
    if (!active || this.stats.switchedOff) return [];
    // A draft still pending when new drafts are asked for was not used: count it as rejected.
    this.rejectPending();
    if (!this.pays()) {
      this.stats.switchedOff = true;
      await active.stop();
      return [];
    }
    const draft = (await active.predictTokens()).slice(0, this.draftLimit);
    this.pendingDraft = draft.slice();
    this.acceptedOfDraft = 0;
    this.stats.proposed += draft.length;
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
