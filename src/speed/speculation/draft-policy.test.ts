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
  it("jumps to the longest draft once the first draft is fully accepted, and stays there while drafts are accepted", () => {
    const { drafts } = decode(new DraftPolicy(), 200, (length) => length);
    expect(drafts.slice(0, 6)).toEqual([4, 32, 32, 32, 32, 32]);
  });

  it("jumps once per request: after a miss the length doubles back up", () => {
    const policy = new DraftPolicy();
    decode(policy, 60, (length) => length);
    policy.settled(32, 0);
    const { drafts } = decode(policy, 100, (length) => length);
    expect(drafts.slice(0, 3)).toEqual([8, 16, 32]);
    policy.begin();
    expect(decode(policy, 40, (length) => length).drafts.slice(0, 2)).toEqual([4, 32]);
  });

  it("does not jump on a one-token probe that happens to match", () => {
    const policy = new DraftPolicy();
    policy.settled(4, 0);
    policy.settled(1, 1);
    expect(policy.nextLength()).toBe(2);
  });

  it("wastes at most one longest draft more when the source matches a first draft and never again", () => {
    const policy = new DraftPolicy();
    let step = 0;
    const { rejected } = decode(policy, 256, (length) => (step++ === 0 ? length : 0));
    expect(rejected).toBeLessThanOrEqual(defaultDraftPolicy.initialAllowance + 4 + defaultDraftPolicy.maxLength + 256 / 32);
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
    expect(drafts.slice(0, 5)).toEqual([1, 2, 4, 32, 32]);
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

  it("never wastes more than its initial allowance, one longest draft, the allowance earned by accepted tokens and the probe rate", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: defaultDraftPolicy.maxLength }), { minLength: 1, maxLength: 50 }), fc.integer({ min: 1, max: 400 }), (accepts, tokens) => {
        let step = 0;
        let accepted = 0;
        const { rejected } = decode(new DraftPolicy(), tokens, (length) => {
          const taken = Math.min(length, accepts[step++ % accepts.length] as number);
          accepted += taken;
          return taken;
        });
        // Allowance: the initial one, the one jump's longest draft, each accepted token, and 1/32 per generated token (last step may overshoot by a draft).
        const generated = tokens + defaultDraftPolicy.maxLength + 1;
        const { initialAllowance, maxLength, allowancePerToken } = defaultDraftPolicy;
        expect(rejected).toBeLessThanOrEqual(initialAllowance + maxLength + accepted + generated * allowancePerToken);
      }),
    );
  });
});
