import { describe, expect, it } from "vitest";
import { capToolOutput } from "./cap-tool-output.js";

const lines = (count: number, width = 40) => Array.from({ length: count }, (_, index) => `line ${index + 1} ${"x".repeat(width)}`).join("\n");

describe("capToolOutput", () => {
  it("leaves output within the limits unchanged", () => {
    const output = lines(10);
    expect(capToolOutput(output, { maxBytes: 10_000, maxLines: 100 })).toBe(output);
  });

  it("keeps whole head and tail lines and says how much of the middle was elided", () => {
    const capped = capToolOutput(lines(1000), { maxBytes: 4000, maxLines: 400 });
    expect(Buffer.byteLength(capped)).toBeLessThan(4000 + 200);
    expect(capped.startsWith("line 1 ")).toBe(true);
    expect(capped.endsWith(`line 1000 ${"x".repeat(40)}`)).toBe(true);
    const note = /\[… ([\d,]+) lines \(([\d,]+) bytes\) elided to fit the context window; narrow the command or read the file in pages to see them …\]/.exec(capped);
    expect(note).not.toBeNull();
    const kept = capped.split("\n").length - 1;
    expect(Number(note?.[1]?.replace(/,/g, "")) + kept).toBe(1000);
    // Every kept line is whole: no line was cut in the middle.
    for (const line of capped.split("\n")) if (line.startsWith("line ")) expect(line).toMatch(/^line \d+ x{40}$/);
  });

  it("caps by lines even when the bytes fit", () => {
    const capped = capToolOutput(lines(100, 1), { maxBytes: 1_000_000, maxLines: 10 });
    expect(capped.split("\n")).toHaveLength(11);
    expect(capped).toContain("90 lines");
  });

  it("cuts one enormous line by bytes, at character boundaries", () => {
    const capped = capToolOutput("é".repeat(10_000), { maxBytes: 301, maxLines: 10 });
    expect(capped).not.toContain("\uFFFD");
    expect(capped).toContain("elided");
    expect(Buffer.byteLength(capped)).toBeLessThan(301 + 200);
  });
});
