import { describe, expect, it } from "vitest";
import type { Token } from "node-llama-cpp";
import { PredictionFollower } from "./prediction-follower.js";
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
    const prediction = new PredictionFollower(4);
    const predictor = new RequestPredictor({ prediction, inputLookup: new PredictionFollower(4) }, { window: 8, minAcceptance: 0.5, maxConsecutiveMisses: 3 });
    predictor.beginRequest("prediction", tokens(...target));
    predictor.reset({ stateTokens: tokens(900) } as Parameters<RequestPredictor["reset"]>[0]);
    return predictor;
  }

  it("counts accepted drafts and keeps speculating while they pay", async () => {
    const predictor = requestPredictor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (let step = 0; step < 3; step++) {
      const draft = await predictor.predictTokens();
      predictor.pushTokens(draft);
    }
    expect(predictor.requestStats()).toEqual({ mode: "prediction", proposed: 12, accepted: 12, switchedOff: false });
  });

  it("switches itself off for the rest of the request when drafts keep failing", async () => {
    // The prediction keeps re-synchronising on "1 2 3" but always drafts the wrong continuation.
    const predictor = requestPredictor(Array.from({ length: 10 }, () => [1, 2, 3, 9, 9, 9, 9]).flat());
    const output = Array.from({ length: 6 }, () => [1, 2, 3]).flat();
    for (const token of output) {
      await predictor.predictTokens();
      predictor.pushTokens(tokens(token));
    }
    const stats = predictor.requestStats();
    expect(stats.switchedOff).toBe(true);
    expect(stats.accepted).toBeLessThan(stats.proposed / 2);
    expect(await predictor.predictTokens()).toEqual([]);
    predictor.beginRequest("prediction", tokens(1, 2));
    expect(predictor.requestStats().switchedOff).toBe(false);
  });
});
