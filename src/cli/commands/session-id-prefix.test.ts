import { describe, expect, it } from "vitest";
import { UsageError } from "../../core/index.js";
import { matchSessionPrefix } from "./session-id-prefix.js";

const ids = ["a1bf8c8b-0000-4000-8000-000000000001", "a1bf0000-0000-4000-8000-000000000002", "32e10000-0000-4000-8000-000000000003"];
const match = (prefix: string) => matchSessionPrefix(ids, prefix, (id) => id);

describe("matchSessionPrefix", () => {
  it("finds the one id a prefix (or the whole id) starts", () => {
    expect(match("a1bf8c8b")).toBe(ids[0]);
    expect(match("32e1")).toBe(ids[2]);
    expect(match(ids[1] ?? "")).toBe(ids[1]);
    expect(match("ffff")).toBeUndefined();
  });

  it("refuses a prefix several ids share, naming them", () => {
    expect(() => match("a1bf")).toThrow(UsageError);
    expect(() => match("a1bf")).toThrow('"a1bf" matches 2 sessions (a1bf8c8b-000, a1bf0000-000); give more of the id.');
  });
});
