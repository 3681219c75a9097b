import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type ApplyReport, applyPatch } from "../../src/edits/index.js";
import { FORMAT_DRIFTS, type FormatCase, type FormatName, generateFormatCases } from "./format-corpus.js";
import { MemoryPatchFs } from "./memory-fs.js";

/**
 * Rows for unified diffs and string replacements: Spark against the tool a user would otherwise use
 * (`git apply` and `patch -p1` for diffs, JavaScript's exact `String.replace` for replacements), first
 * try and after the error message is fed back once. The scripted model resends a corrected edit (context
 * copied from the file, correct line numbers, enough lines to be unique) only when the message gives it
 * what it needs: the file's actual lines, or a request for more context. Spark's refusals do; the
 * messages of git apply and patch ("patch does not apply", "Hunk #1 FAILED at 40") and a replacement
 * that found nothing do not, so there the model resends the same edit.
 */

export interface FormatRow {
  format: FormatName;
  drift: string;
  applier: string;
  cases: number;
  firstTry: number;
  /** Applied as meant, or left untouched where the corpus expects a refusal (as the patch corpus counts). */
  correct: number;
  afterFeedback: number;
  /** Files changed but not as the edit meant: the edit landed in the wrong place. */
  wrongPlace: number;
}

interface Attempt {
  text: string;
  /** The message asks for, or shows, what a corrected edit needs. */
  actionable: boolean;
}

type Applier = (c: FormatCase, patch: string, before: string) => Promise<Attempt>;

const ROOT = "/workspace";

const spark: Applier = async (c, patch, before) => {
  const fs = new MemoryPatchFs(ROOT, { [c.path]: before });
  const report = await applyPatch(patch, { workspace: ROOT, fs });
  return { text: fs.snapshot(ROOT)[c.path] ?? "", actionable: actionable(report) };
};

function actionable(report: ApplyReport): boolean {
  return report.operations.some((op) => op.hunks.some((hunk) => hunk.error?.closest !== undefined || hunk.error?.code === "ambiguous"));
}

async function onDisk(c: FormatCase, before: string, run: (dir: string, patchFile: string) => void, patch: string): Promise<Attempt> {
  const dir = await mkdtemp(join(tmpdir(), "spark-bench-formats-"));
  try {
    await mkdir(dirname(join(dir, c.path)), { recursive: true });
    await writeFile(join(dir, c.path), before);
    await writeFile(join(dir, "edit.patch"), patch);
    try {
      run(dir, join(dir, "edit.patch"));
    } catch {
      // A refused patch: the file tells what happened.
    }
    return { text: await readFile(join(dir, c.path), "utf8"), actionable: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const gitApply: Applier = (c, patch, before) => onDisk(c, before, (dir, file) => execFileSync("git", ["apply", file], { cwd: dir, stdio: "ignore" }), patch);
const patchP1: Applier = (c, patch, before) =>
  onDisk(c, before, (dir, file) => execFileSync("patch", ["-p1", "--batch", "--forward", "--no-backup-if-mismatch", "-r", "-", "-i", file], { cwd: dir, stdio: "ignore" }), patch);

const strReplace: Applier = async (c, patch, before) => {
  const edit = JSON.parse(patch) as { old_string: string; new_string: string };
  return { text: before.replace(edit.old_string, () => edit.new_string), actionable: false };
};

const APPLIERS: Record<FormatName, Array<[string, Applier]>> = {
  "unified-diff": [
    ["Spark", spark],
    ["git apply", gitApply],
    ["patch -p1", patchP1],
  ],
  "string-replace": [
    ["Spark", spark],
    ["exact str.replace", strReplace],
  ],
};

/**
 * Cases where no applier can know the edit's place for sure, so refusing is the right first answer: the
 * context changed since the model read the file (as in the patch corpus), or a replacement's old text
 * occurs more than once without `replace_all`.
 */
function refusalExpected(c: FormatCase): boolean {
  return c.drift === "stale-context" || (c.format === "string-replace" && c.drift === "duplicated-region");
}

async function runCase(c: FormatCase, apply: Applier): Promise<{ first: boolean; correct: boolean; after: boolean; wrong: boolean }> {
  const first = await apply(c, c.patch, c.before);
  const wrong = first.text !== c.before && first.text !== c.expected;
  if (first.text === c.expected) return { first: true, correct: true, after: true, wrong };
  const correct = refusalExpected(c) && first.text === c.before;
  // Fed back once: a corrected edit when the message made one possible, else the same edit again.
  const retry = await apply(c, first.actionable ? c.corrected : c.patch, first.text);
  return { first: false, correct, after: retry.text === c.expected, wrong: wrong || (retry.text !== first.text && retry.text !== c.expected) };
}

export async function runFormatRows(perKind: number, seed: number, log: (line: string) => void): Promise<FormatRow[]> {
  const cases = generateFormatCases(perKind, seed);
  log(`edits: ${cases.length} unified-diff and string-replacement cases`);
  const rows: FormatRow[] = [];
  for (const format of ["unified-diff", "string-replace"] as const) {
    for (const [applier, apply] of APPLIERS[format]) {
      const totals: FormatRow = { format, drift: "all", applier, cases: 0, firstTry: 0, correct: 0, afterFeedback: 0, wrongPlace: 0 };
      for (const drift of FORMAT_DRIFTS) {
        const row: FormatRow = { format, drift, applier, cases: 0, firstTry: 0, correct: 0, afterFeedback: 0, wrongPlace: 0 };
        for (const c of cases.filter((x) => x.format === format && x.drift === drift)) {
          const result = await runCase(c, apply);
          for (const r of [row, totals]) {
            r.cases++;
            r.firstTry += result.first ? 1 : 0;
            r.correct += result.correct ? 1 : 0;
            r.afterFeedback += result.after ? 1 : 0;
            r.wrongPlace += result.wrong ? 1 : 0;
          }
        }
        if (row.cases > 0) rows.push(row);
      }
      rows.push(totals);
    }
  }
  return rows;
}

const pct = (n: number, of: number): string => (of === 0 ? "-" : `${((100 * n) / of).toFixed(1)}%`);

export function formatRowsMarkdown(rows: readonly FormatRow[]): string {
  const lines = [
    "Unified diffs and string replacements. First try = the file exactly as the edit meant. Correct first answer = that, or the file left untouched where refusing is right (the context changed since the model read the file, as in the patch corpus above; a replacement's old text found twice without replace_all). After feedback = the file as meant after the error message was fed back once to a scripted model (it resends a corrected edit only when the message shows the file's lines or asks for more context).",
    "",
    "| Format | Drift | Applier | Cases | First try | Correct first answer | After feedback | Wrong place |",
    "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map((r) => `| ${r.format} | ${r.drift} | ${r.applier} | ${r.cases} | ${pct(r.firstTry, r.cases)} | ${pct(r.correct, r.cases)} | ${pct(r.afterFeedback, r.cases)} | ${r.wrongPlace} |`),
  ];
  return `${lines.join("\n")}\n`;
}
