import { describe, expect, it } from "vitest";
import { StopFilter } from "./stop-filter.js";

describe("StopFilter", () => {
  it("passes text through when there are no stop sequences", () => {
    const filter = new StopFilter([]);
    expect(filter.push("abc")).toBe("abc");
    expect(filter.flush()).toBe("");
  });

  it("holds back a possible start of a stop sequence and cuts at it, across chunks", () => {
    const filter = new StopFilter(["\n\n", "END"]);
    expect(filter.push("one\n")).toBe("one");
    expect(filter.push("two E")).toBe("\ntwo ");
    expect(filter.push("NDafter")).toBe("");
    expect(filter.stopped).toBe(true);
    expect(filter.push("more")).toBe("");
    expect(filter.flush()).toBe("");
  });

  it("releases held text at the end when no stop sequence came", () => {
    const filter = new StopFilter(["STOP"]);
    expect(filter.push("all ST")).toBe("all ");
    expect(filter.flush()).toBe("ST");
  });

  it("cuts at the earliest of several sequences in one chunk", () => {
    const filter = new StopFilter(["b", "a"]);
    expect(filter.push("xxabyy")).toBe("xx");
  });
});
