import { describe, expect, it } from "vitest";
import { applyHunks } from "./apply-hunks.js";
import { parsePatch } from "./parse-patch.js";
import { decodeText, encodeText } from "./text-document.js";
import type { UpdateFileOperation } from "./patch-types.js";

/**
 * Seeded random cases (no dependency): random source files, one random edit each, written as a Codex
 * patch with the drift models produce. Every case has its exact expected result or expected refusal.
 */

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  file: string[];
  start: number;
  removed: number;
  added: string[];
}

const WORDS = ["value", "count", "items", "result", "name", "total", "index", "config", "user", "path"];

function makeCase(random: () => number): Case {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const indent = (depth: number): string => "  ".repeat(depth);
  // Every line carries its index, so without injected duplicates each region of the file is unique.
  const line = (i: number): string => `${indent(1 + Math.floor(random() * 3))}const ${pick(WORDS)}${i} = "${pick(WORDS)}'s";`;
  const file = Array.from({ length: 8 + Math.floor(random() * 40) }, (_, i) => line(i));
  const start = Math.floor(random() * file.length);
  const removed = Math.min(file.length - start, Math.floor(random() * 3));
  const added = Array.from({ length: removed === 0 ? 1 + Math.floor(random() * 3) : Math.floor(random() * 3) }, (_, i) => `${indent(2)}let added${i} = ${i};`);
  return { file, start, removed, added };
}

/** How a model misquotes the file's lines, and whether the lines it adds share the drift (indentation does). */
interface Drift {
  quote: (line: string) => string;
  alsoAdded: boolean;
}
const drifts: Record<string, Drift> = {
  none: { quote: (line) => line, alsoAdded: false },
  "trailing whitespace": { quote: (line) => `${line}  `, alsoAdded: false },
  "curly quotes": { quote: (line) => line.replace(/"/g, "\u201C").replace(/'/g, "\u2019"), alsoAdded: false },
  "indentation shifted": { quote: (line) => line.replace(/^ {2}/, ""), alsoAdded: true },
};

function patchFor(c: Case, drift: Drift, contextSize: number): string {
  const before = c.file.slice(Math.max(0, c.start - contextSize), c.start);
  const after = c.file.slice(c.start + c.removed, c.start + c.removed + contextSize);
  const quote = drift.quote;
  const body = [
    ...before.map((l) => ` ${quote(l)}`),
    ...c.file.slice(c.start, c.start + c.removed).map((l) => `-${quote(l)}`),
    ...c.added.map((l) => `+${drift.alsoAdded ? quote(l) : l}`),
    ...after.map((l) => ` ${quote(l)}`),
  ];
  return ["*** Begin Patch", "*** Update File: f.ts", "@@", ...body, "*** End Patch"].join("\n");
}

function expected(c: Case): string[] {
  return [...c.file.slice(0, c.start), ...c.added, ...c.file.slice(c.start + c.removed)];
}

function apply(lines: string[], patch: string, suffix = "") {
  const op = parsePatch(patch).operations[0] as UpdateFileOperation;
  return applyHunks(lines, op.hunks, { displayPath: "f.ts", addedLineSuffix: suffix });
}

describe("generated patch cases", () => {
  for (const [name, drift] of Object.entries(drifts)) {
    it(`applies 150 random edits with drift: ${name}`, () => {
      const random = rng(name.length * 7919);
      for (let n = 0; n < 150; n++) {
        const c = makeCase(random);
        const result = apply(c.file, patchFor(c, drift, 3));
        const failed = result.outcomes.find((o) => o.status === "failed");
        expect(failed?.error?.message, `case ${n}`).toBeUndefined();
        expect(result.lines, `case ${n}`).toEqual(expected(c));
      }
    });
  }

  it("refuses 100 random edits whose region is duplicated later in the file", () => {
    const random = rng(4242);
    for (let n = 0; n < 100; n++) {
      const c = makeCase(random);
      const region = c.file.slice(Math.max(0, c.start - 3), c.start + c.removed + 3);
      const file = [...c.file, "// copy", ...region];
      const result = apply(file, patchFor(c, drifts["none"] as Drift, 3));
      expect(result.outcomes[0]?.error?.code, `case ${n}`).toBe("ambiguous");
      expect(result.lines).toEqual(file);
    }
  });

  it("round-trips CRLF files through 100 random edits", () => {
    const random = rng(99);
    for (let n = 0; n < 100; n++) {
      const c = makeCase(random);
      const doc = decodeText(Buffer.from(`${c.file.join("\r\n")}\r\n`), "f.ts");
      const result = apply(doc.lines, patchFor(c, drifts["none"] as Drift, 2));
      expect(encodeText({ ...doc, lines: result.lines }).toString(), `case ${n}`).toBe(`${expected(c).join("\r\n")}\r\n`);
    }
  });
});
