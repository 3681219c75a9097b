import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApplyReport, formatApplyReport } from "../src/edits/index.js";
import { DRIFT_KINDS, type PatchCase, generateCorpus } from "../bench/edits/patch-corpus.js";
import type { ExpectedOutcome } from "../bench/edits/corpus-types.js";
import { applyCaseOnDisk } from "../bench/edits/apply-case.js";

/**
 * The generated patch corpus (bench/edits/patch-corpus.ts, fast-check): random TS/Python/Go files, random
 * edits, and patches written with the drift models produce, each run through applyPatch in its own temp
 * workspace and held to its exact expected result: every file's bytes afterwards, every operation's and
 * every hunk's outcome (applied, or refused as no_match / ambiguous).
 */

const CORPUS_SIZE = 650;
const SEED = 20_260_611;
const corpus = generateCorpus(CORPUS_SIZE, SEED);

/**
 * Cases that once showed an engine bug, now fixed: each entry names the bug; the predicate selects the
 * generated cases it affected. They run with their drift kind like every other case, and once more here
 * by name, so a regression says which bug came back.
 */
const FIXED_BUGS: ReadonlyArray<{ name: string; affects: (c: PatchCase) => boolean }> = [
  {
    // src/edits/reindent.ts translated an added line deeper (or shallower) than every matched line by
    // keeping the patch's own leftover indentation on top of the file's base: with spaces in the patch
    // and tabs in the file (or the reverse) it wrote "\t\t    return x" instead of "\t\t\treturn x". It now
    // counts levels in the patch's unit and writes them in the file's (from the matched lines, else from
    // the file's style).
    name: "tabs/spaces mix: added lines at a new indentation level are written in the file's unit",
    affects: (c) => c.drift === "tabs-vs-spaces" && c.traits.includes("added-indent-new"),
  },
  {
    // src/edits/apply-hunks.ts found the lines a hunk keeps by diffing its old and new text, ignoring the
    // Codex ' ', '-' and '+' markers: when a removed line read like a context or an added line, the file's
    // copy of the removed line could take that line's place (with its own line ending, trailing spaces or
    // punctuation). The parser now records the context lines and the applier keeps exactly those.
    name: "Codex ' '/'-'/'+' markers decide which lines are kept",
    affects: (c) => c.format === "codex" && c.traits.includes("pairing-sensitive"),
  },
];

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "spark-patch-corpus-"));
});
afterAll(async () => {
  if (root !== "") await rm(root, { recursive: true, force: true });
});

interface Failure {
  c: PatchCase;
  actual: ExpectedOutcome;
  report: ApplyReport;
}

async function runCase(c: PatchCase, index: number): Promise<Failure | undefined> {
  const { report, outcome } = await applyCaseOnDisk(c, root, index);
  return isDeepStrictEqual(outcome, c.expected) ? undefined : { c, actual: outcome, report };
}

/** Everything needed to debug a case by hand: the files, the patch, what was expected, what happened. */
function describeFailure({ c, actual, report }: Failure): string {
  const lines = [
    `case ${c.id}: drift ${c.drift} (${c.variant}), format ${c.format}, traits [${c.traits.join(", ")}]`,
    "--- files before:",
    ...Object.entries(c.files).map(([path, text]) => `${path}:\n${JSON.stringify(text)}`),
    "--- patch:",
    c.patch,
    "--- expected (status, operations):",
    JSON.stringify({ status: c.expected.status, operations: c.expected.operations }),
    "--- actual (status, operations):",
    JSON.stringify({ status: actual.status, operations: actual.operations }),
    "--- engine report:",
    formatApplyReport(report),
  ];
  for (const path of new Set([...Object.keys(c.expected.files), ...Object.keys(actual.files)])) {
    const want = c.expected.files[path];
    const got = actual.files[path];
    if (want === got) continue;
    lines.push(`--- file ${path} differs:`, `expected: ${JSON.stringify(want)}`, `actual:   ${JSON.stringify(got)}`);
    if (want !== undefined && got !== undefined) {
      const a = want.split("\n");
      const b = got.split("\n");
      const first = a.findIndex((line, i) => line !== b[i]);
      lines.push(`first differing line ${first + 1}: expected ${JSON.stringify(a[first])}, actual ${JSON.stringify(b[first])}`);
    }
  }
  return lines.join("\n");
}

async function runAll(cases: readonly PatchCase[]): Promise<Failure[]> {
  const failures: Failure[] = [];
  for (const [index, c] of cases.entries()) {
    const failure = await runCase(c, index);
    if (failure !== undefined) failures.push(failure);
  }
  return failures;
}

function failureReport(failures: readonly Failure[], total: number): string {
  const byVariant = new Map<string, number>();
  for (const { c } of failures) byVariant.set(`${c.drift} / ${c.variant} / ${c.format}`, (byVariant.get(`${c.drift} / ${c.variant} / ${c.format}`) ?? 0) + 1);
  const summary = [...byVariant].map(([key, n]) => `  ${n} x ${key}`).join("\n");
  const shown = failures.slice(0, 3).map(describeFailure).join("\n\n==========\n\n");
  return `${failures.length} of ${total} cases did not give their expected result:\n${summary}\n\nFirst ${Math.min(3, failures.length)}:\n\n${shown}`;
}

describe("generated patch corpus (fast-check)", () => {
  it(`has at least 500 cases, every drift kind, and is deterministic`, () => {
    expect(corpus.length).toBeGreaterThanOrEqual(500);
    for (const kind of DRIFT_KINDS) expect(corpus.filter((c) => c.drift === kind).length, kind).toBeGreaterThanOrEqual(30);
    expect(generateCorpus(40, SEED)).toEqual(generateCorpus(40, SEED));
    expect(corpus.filter((c) => c.format === "search-replace").length).toBeGreaterThan(100);
    expect(corpus.filter((c) => c.traits.includes("crlf")).length).toBeGreaterThan(50);
  });

  for (const kind of DRIFT_KINDS) {
    const cases = corpus.filter((c) => c.drift === kind);
    it(`${kind}: ${cases.length} cases give their exact expected result`, async () => {
      const failures = await runAll(cases);
      if (failures.length > 0) expect.fail(failureReport(failures, cases.length));
    });
  }

  for (const bug of FIXED_BUGS) {
    const cases = corpus.filter(bug.affects);
    it(`fixed engine bug stays fixed: ${bug.name} (${cases.length} cases)`, async () => {
      expect(cases.length, "the corpus still holds cases of this bug").toBeGreaterThan(0);
      const failures = await runAll(cases);
      if (failures.length > 0) expect.fail(failureReport(failures, cases.length));
    });
  }
});
