import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { PredictionFollower } from "./prediction-follower.js";
import { defaultDraftPolicy } from "./draft-policy.js";
import { RequestPredictor } from "./request-predictor.js";

const tokens = (...values: number[]) => values as Token[];

function follower(target: number[], maxDraft = 4): PredictionFollower {
  const predictor = new PredictionFollower(maxDraft);
  predictor.setTarget(tokens(...target));
  predictor.reset({ stateTokens: tokens(900, 901) });
  return predictor;
}

describe("PredictionFollower", () => {
  it("drafts the prediction from its start and follows the output", () => {
    const predictor = follower([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(predictor.predictTokens()).toEqual([1, 2, 3, 4]);
    predictor.pushTokens(tokens(1, 2, 3));
    expect(predictor.predictTokens()).toEqual([4, 5, 6, 7]);
  });

  it("re-synchronises after the output inserts tokens", () => {
    const predictor = follower([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    predictor.pushTokens(tokens(1, 2, 3));
    predictor.pushTokens(tokens(50, 51)); // inserted
    expect(predictor.predictTokens()).toEqual([]);
    predictor.pushTokens(tokens(4, 5, 6)); // back on the prediction
    expect(predictor.predictTokens()).toEqual([7, 8, 9, 10]);
  });

  it("re-synchronises after the output skips part of the prediction", () => {
    const predictor = follower([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    predictor.pushTokens(tokens(1, 2));
    predictor.pushTokens(tokens(6, 7, 8)); // 3..5 deleted
    expect(predictor.predictTokens()).toEqual([9, 10, 11, 12]);
  });

  it("prefers the nearest repeat of a region after where it left off", () => {
    const predictor = follower([7, 8, 9, 1, 2, 3, 4, 7, 8, 9, 5, 6]);
    predictor.pushTokens(tokens(7, 8, 9, 1, 2, 3, 4));
    predictor.pushTokens(tokens(99, 7, 8, 9));
    expect(predictor.predictTokens()).toEqual([5, 6]);
  });
});

describe("RequestPredictor", () => {
  function requestPredictor(target: number[]) {
    const prediction = new PredictionFollower(16);
    const predictor = new RequestPredictor({ prediction, inputLookup: new PredictionFollower(4) });
    predictor.beginRequest("prediction", tokens(...target));
    predictor.reset({ stateTokens: tokens(900) } as Parameters<RequestPredictor["reset"]>[0]);
    return predictor;
  }

  it("counts accepted drafts and, once the first is accepted, drafts as far as the source reaches", async () => {
    const predictor = requestPredictor(Array.from({ length: 40 }, (_, index) => index + 1));
    const lengths: number[] = [];
    for (let step = 0; step < 3; step++) {
      const draft = await predictor.predictTokens();
      lengths.push(draft.length);
      predictor.pushTokens(draft);
    }
    // The follower drafts at most 16 here; the policy would allow 32 after the first accepted draft.
    expect(lengths).toEqual([4, 16, 16]);
    expect(predictor.requestStats()).toEqual({ mode: "prediction", proposed: 36, accepted: 36, drafts: 3, paused: false });
  });

  it("never drafts past the request's token limit: a batch yields its draft and one sampled token", async () => {
    const prediction = new PredictionFollower(16);
    const predictor = new RequestPredictor({ prediction, inputLookup: new PredictionFollower(4) });
    predictor.beginRequest("prediction", tokens(...Array.from({ length: 40 }, (_, index) => index + 1)), 10);
    predictor.reset({ stateTokens: tokens(900) } as Parameters<RequestPredictor["reset"]>[0]);
    expect(await predictor.predictTokens()).toEqual([1, 2, 3, 4]);
    predictor.pushTokens(tokens(1, 2, 3, 4, 5));
    // 5 of 10 generated: a draft of 4 fills the limit (16 without it).
    expect(await predictor.predictTokens()).toEqual([6, 7, 8, 9]);
    predictor.pushTokens(tokens(6, 7, 8, 9, 10));
    expect(await predictor.predictTokens()).toEqual([]);
    expect(predictor.requestStats().paused).toBe(false);
  });

  it("charges a draft cut by a reset (a redirect) to the allowance: its unverified tokens count as rejected", async () => {
    const predictor = requestPredictor(Array.from({ length: 400 }, (_, index) => index + 1));
    const state = { stateTokens: tokens(900) } as Parameters<RequestPredictor["reset"]>[0];
    const lengths: number[] = [];
    let generated = 0;
    // Each draft gets its first token accepted, then the sequence is reset before the rest is settled.
    for (let cycle = 0; cycle < 20; cycle++) {
      const draft = await predictor.predictTokens();
      lengths.push(draft.length);
      predictor.pushTokens(draft.length > 0 ? draft.slice(0, 1) : tokens(1000 + cycle));
      generated++;
      await predictor.reset(state);
    }
    const { proposed, accepted, paused } = predictor.requestStats();
    // A partly accepted draft halves the next one: 4, then 2, then 1-token drafts.
    expect(lengths.slice(0, 3)).toEqual([4, 2, 1]);
    // What the policy promises: rejected tokens are paid from the first allowance, the accepted tokens and 1/32 per generated one.
    expect(proposed - accepted).toBeLessThanOrEqual(defaultDraftPolicy.initialAllowance + accepted + generated * defaultDraftPolicy.allowancePerToken);
    expect(paused).toBe(false);
  });

  it("holds drafting back after a fully rejected draft, then probes with one token", async () => {
    // The prediction keeps re-synchronising on "1 2 3" but always drafts the wrong continuation.
    const predictor = requestPredictor([7, 7, 7, ...Array.from({ length: 40 }, () => [1, 2, 3, 9, 9, 9, 9]).flat()]);
    const output = Array.from({ length: 30 }, () => [1, 2, 3]).flat();
    const drafts: number[][] = [];
    for (const token of output) {
      const draft = await predictor.predictTokens();
      if (draft.length > 0) drafts.push(draft);
      predictor.pushTokens(tokens(token));
    }
    const stats = predictor.requestStats();
    expect(stats.paused).toBe(true);
    expect(stats.accepted).toBe(0);
    // The first draft of the request, then one-token probes: two at once, then one per 32 generated tokens.
    expect(drafts.map((draft) => draft.length)).toEqual([4, 1, 1, 1, 1]);
    predictor.beginRequest("prediction", tokens(1, 2, 3, 4, 5));
    expect(predictor.requestStats().paused).toBe(false);
    expect(await predictor.predictTokens()).toEqual([1, 2, 3, 4]);
  });
});
