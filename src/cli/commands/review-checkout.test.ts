import { describe, expect, it } from "vitest";
import { rangeTip } from "./review-checkout.js";

describe("rangeTip", () => {
  it("is the revision a range ends at; none for a single revision (diffed against the working tree)", () => {
    expect(rangeTip("main..feature")).toBe("feature");
    expect(rangeTip("main...feature")).toBe("feature");
    expect(rangeTip("main..")).toBe("HEAD");
    expect(rangeTip("HEAD~2")).toBeUndefined();
  });
});
