import { describe, expect, it } from "vitest";
import { CappedOutput } from "./capped-output.js";

function collect(limit: number, chunks: string[]): CappedOutput {
  const output = new CappedOutput(limit);
  for (const chunk of chunks) output.push(Buffer.from(chunk, "utf8"));
  return output;
}

describe("CappedOutput", () => {
  it("keeps everything within the limit, in order", () => {
    const output = collect(10, ["abc", "def", "ghij"]);
    expect(output.truncated).toBe(false);
    expect(output.toString()).toBe("abcdefghij");
  });

  it("keeps the head and the tail and says how much was elided", () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join("");
    const output = collect(100, text.match(/[\s\S]{1,7}/g) ?? []);
    expect(output.truncated).toBe(true);
    const result = output.toString();
    expect(result.startsWith(text.slice(0, 50))).toBe(true);
    expect(result.endsWith(text.slice(-50))).toBe(true);
    expect(result).toContain(`[... ${Buffer.byteLength(text) - 100} bytes of output elided ...]`);
  });

  it("cuts at character boundaries, never inside a UTF-8 sequence", () => {
    const output = collect(9, ["é".repeat(20)]); // 2 bytes each
    const result = output.toString();
    expect(result).not.toContain("\uFFFD");
    expect(result).toMatch(/^é+\n\[\.\.\. \d+ bytes of output elided \.\.\.\]\né+$/);
    const [, elided] = /(\d+) bytes/.exec(result) ?? [];
    const kept = Buffer.byteLength(result.replace(/\n\[.*\]\n/, ""));
    expect(Number(elided) + kept).toBe(40);
  });
});
