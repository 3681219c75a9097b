import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DraftPolicy, defaultDraftPolicy } from "./draft-policy.js";

/** Drives the policy as the engine would: `outcome(length)` says how many tokens of each draft are accepted. */
function decode(policy: DraftPolicy, tokens: number, outcome: (length: number) => number): { drafts: number[]; rejected: number } {
  const drafts: number[] = [];
  let rejected = 0;
  for (let generated = 0; generated < tokens; ) {
    const length = policy.nextLength();
    const accepted = length > 0 ? Math.min(length, outcome(length)) : 0;
    if (length > 0) {
      drafts.push(length);
      policy.settled(length, accepted);
      rejected += length - accepted;
    }
    // One step yields the sampled token plus the accepted draft tokens.
    policy.generated(accepted + 1);
    generated += accepted + 1;
  }
  return { drafts, rejected };
}

describe("DraftPolicy", () => {
  it("doubles the draft length while drafts are accepted, up to the cap", () => {
    const { drafts } = decode(new DraftPolicy(), 200, (length) => length);
    expect(drafts.slice(0, 6)).toEqual([4, 8, 16, 32, 32, 32]);
  });

  it("after a fully rejected first draft only probes with one token, two at once then one per 32 generated", () => {
    const { drafts, rejected } = decode(new DraftPolicy(), 256, () => 0);
    expect(drafts[0]).toBe(4);
    expect(drafts.slice(1).every((length) => length === 1)).toBe(true);
    expect(rejected).toBeLessThanOrEqual(defaultDraftPolicy.initialAllowance + 256 / 32);
  });

  it("gets going after a first draft that misses, as when the output starts with text the prediction lacks", () => {
    const policy = new DraftPolicy();
    policy.settled(4, 0);
    const { drafts } = decode(policy, 80, (length) => length);
    expect(drafts.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 32]);
  });

  it("keeps drafting through an edit point when earlier drafts were accepted", () => {
    const policy = new DraftPolicy();
    decode(policy, 60, (length) => length);
    policy.settled(32, 0); // the output left the prediction
    expect(policy.nextLength()).toBe(8);
  });

  it("bounds what a bad run wastes after a long good one by the allowance cap", () => {
    const policy = new DraftPolicy();
    decode(policy, 1000, (length) => length);
    const { rejected } = decode(policy, 320, () => 0);
    expect(rejected).toBeLessThanOrEqual(defaultDraftPolicy.maxAllowance + 320 / 32);
  });

  it("never wastes more than its initial allowance, the allowance earned by accepted tokens and the probe rate", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: defaultDraftPolicy.maxLength }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 400 }), (accepts, tokens) => {
        let step = 0;
        let accepted = 0;
        const { rejected } = decode(new DraftPolicy(), tokens, (length) => {
          const taken = Math.min(length, accepts[step++ % accepts.length] as number);
          accepted += taken;
          return taken;
        });
        // Allowance: the initial one, plus each accepted token, plus 1/32 per generated token (last step may overshoot by a draft).
        const generated = tokens + defaultDraftPolicy.maxLength + 1;
        expect(rejected).toBeLessThanOrEqual(defaultDraftPolicy.initialAllowance + accepted + generated * defaultDraftPolicy.allowancePerToken);
      }),
    );
  });
});
