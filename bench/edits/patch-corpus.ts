import fc, { type GeneratorValue } from "fast-check";
import { DRIFT_KINDS, type CaseFormat, type DriftKind, type PatchCase } from "./corpus-types.js";
import { type SourceFile, type SourceOptions, chance, freshFileLines, genSource, int, pick, renderFile, typographic } from "./corpus-source.js";
import { type PlanOptions, type PlannedHunk, appendAtEnd, insertAfterSignature, planHunks, windowLength, windowLines } from "./corpus-hunks.js";
import * as drifts from "./corpus-drift.js";
import { renderPatch, truncatePatch } from "./corpus-render.js";
import { type FileEdit, type PlannedOp, adaptToFormat, addsNewIndentation, isDrifted, pairingSensitive, updateOp } from "./corpus-edit.js";
import { expectOutcome } from "./corpus-expect.js";

export type { PatchCase } from "./corpus-types.js";
export { DRIFT_KINDS, type DriftKind } from "./corpus-types.js";

/**
 * A fast-check generated corpus of patch cases: random source files, a random intended edit, and the
 * patch a model would write for it with the drift models really produce, in the Codex envelope or as
 * SEARCH/REPLACE blocks. Each case carries its exact expected result, decided from the engine's
 * documented rules (corpus-rules.ts) and the intended edit, never by running the engine.
 *
 * Deterministic: the same (count, seed) gives the same cases. Kinds are spread evenly.
 */
export function generateCorpus(count: number, seed: number): PatchCase[] {
  const perKind = DRIFT_KINDS.map((kind, k) => {
    const wanted = Math.floor(count / DRIFT_KINDS.length) + (k < count % DRIFT_KINDS.length ? 1 : 0);
    return casesOfKind(kind, wanted, seed + k * 7919);
  });
  const corpus: PatchCase[] = [];
  for (let i = 0; corpus.length < count && i < count; i++) {
    for (const cases of perKind) {
      const next = cases[i];
      if (next !== undefined && corpus.length < count) corpus.push({ ...next, id: `${seed}-${corpus.length}-${next.drift}` });
    }
  }
  return corpus;
}

/** Draws cases of one kind; the rare draw whose edit the rules would place elsewhere is skipped. Bounded. */
function casesOfKind(kind: DriftKind, wanted: number, seed: number): PatchCase[] {
  const arbitrary = fc.gen().map((g) => buildCase(g, kind));
  const out: PatchCase[] = [];
  for (let batch = 0; batch < 8 && out.length < wanted; batch++) {
    for (const c of fc.sample(arbitrary, { seed: seed + batch * 104729, numRuns: wanted - out.length + 4 })) {
      if (c !== undefined && out.length < wanted) out.push(c);
    }
  }
  return out;
}


const EXT = { ts: "ts", py: "py", go: "go" } as const;
const CODEX_EXTRAS = ["update", "update", "update", "add", "add", "delete", "move", "add-existing", "update-missing", "delete-missing"] as const;
const SEARCH_REPLACE_EXTRAS = ["update", "update", "update", "add", "add", "update-missing"] as const;


function buildCase(g: GeneratorValue, kind: DriftKind): PatchCase | undefined {
  const codexOnly = kind === "out-of-order" || kind === "anchor-header";
  const format: CaseFormat = codexOnly || chance(g, 0.6) ? "codex" : "search-replace";
  const traits: string[] = [];
  const primary = primaryEdit(g, kind, format);
  if (primary === undefined || primary.edit.hunks.length === 0) return undefined;
  adaptToFormat(primary.edit, format);
  if (QUOTE_DRIFTS.has(kind) && !isDrifted(primary.edit)) return undefined;
  const workspace: Record<string, string> = {};
  const ops: PlannedOp[] = [];
  workspace[primary.edit.path] = renderFile(primary.edit.file.lines, primary.edit.file);
  ops.push({ op: updateOp(primary.edit, format), edit: primary.edit });
  // Other files the same patch touches, and one it leaves alone.
  if (kind !== "truncated" && chance(g, 0.35)) {
    const extras = int(g, 1, 2);
    for (let k = 0; k < extras; k++) {
      const what = pick(g, format === "codex" ? CODEX_EXTRAS : SEARCH_REPLACE_EXTRAS);
      const path = `lib/extra${k}.${pick(g, ["ts", "py", "go"])}`;
      if (what === "delete-missing") {
        ops.push({ op: { kind: "delete", path }, fails: true });
        traits.push("missing-file");
        continue;
      }
      if (what === "add") {
        const lang = (/\.(\w+)$/.exec(path)?.[1] ?? "ts") as keyof typeof EXT;
        ops.push({ op: { kind: "add", path, lines: freshFileLines(g, lang, `n${k}`) } });
        traits.push("add-file");
        continue;
      }
      const file = genSource(g);
      const extraPath = `lib/extra${k}.${EXT[file.language]}`;
      if (what === "update-missing") {
        // The model names a file that does not exist: the operation fails, the rest still applies.
        const edit = plainEdit(g, extraPath, file, `x${k}`);
        adaptToFormat(edit, format);
        ops.push({ op: updateOp(edit, format), edit, fails: true });
        traits.push("missing-file");
        continue;
      }
      workspace[extraPath] = renderFile(file.lines, file);
      if (what === "add-existing") {
        ops.push({ op: { kind: "add", path: extraPath, lines: freshFileLines(g, file.language, `o${k}`) } });
        traits.push("add-overwrites");
        continue;
      }
      if (what === "delete") {
        ops.push({ op: { kind: "delete", path: extraPath } });
        traits.push("delete-file");
        continue;
      }
      const edit = plainEdit(g, extraPath, file, `x${k}`);
      adaptToFormat(edit, format);
      if (what === "move") {
        edit.moveTo = `lib/moved${k}.${EXT[file.language]}`;
        traits.push("move");
      }
      ops.push({ op: updateOp(edit, format), edit });
    }
    if (ops.length > 1) traits.push("multi-file");
  }
  if (chance(g, 0.5)) workspace["docs/notes.md"] = "# Notes\n\nNothing to see here - it's untouched.\n";
  const style = {
    bareBlankContext: chance(g, 0.3),
    omitFirstAt: chance(g, 0.2),
    fence: chance(g, 0.6),
    crlf: chance(g, 0.1),
  };
  // A removed line written exactly like a kept or an added one, while the file's text differs from what
  // should stay: which text survives is then a matter of pairing lines. SEARCH/REPLACE cannot say which
  // one it meant, so such draws are dropped; Codex says it with ' ', '-' and '+', and the case expects
  // the lines as the patch marked them.
  const edits = ops.flatMap((o) => (o.edit !== undefined && o.fails !== true ? [o.edit] : []));
  if (edits.some((edit) => edit.hunks.some((_, i) => pairingSensitive(edit, i)))) {
    if (format === "search-replace") return undefined;
    traits.push("pairing-sensitive");
  }
  let patch = renderPatch(format, ops.map((o) => o.op), style);
  const file = primary.edit.file;
  traits.push(`lang:${file.language}`, `hunks:${primary.edit.hunks.length}`);
  if (file.eol === "\r\n") traits.push("crlf");
  if (file.mixedEol) traits.push("mixed-eol");
  if (file.bom) traits.push("bom");
  if (!file.finalNewline) traits.push("no-final-newline");
  if (style.crlf) traits.push("patch-crlf");
  if (primary.edit.hunks.some((h) => h.insertion !== undefined)) traits.push("pure-insertion");
  if (primary.edit.hunks.some((h) => addsNewIndentation(file, h))) traits.push("added-indent-new");
  if (kind === "truncated") {
    patch = truncatePatch(format, patch, int(g, 50, 100) / 100);
    return {
      id: "",
      drift: kind,
      variant: `cut off (${format})`,
      format,
      traits,
      files: workspace,
      patch,
      expected: { status: "refused", parseError: true, operations: [], files: { ...workspace } },
    };
  }
  const expected = expectOutcome(format, ops, workspace);
  if (expected === undefined) return undefined;
  return { id: "", drift: kind, variant: primary.variant, format, traits, files: workspace, patch, expected };
}

/** Kinds whose drift is in how lines are quoted: a case must really carry the drift. */
const QUOTE_DRIFTS = new Set<DriftKind>(["trailing-whitespace", "unicode-punctuation", "indentation-shift", "tabs-vs-spaces", "combined"]);


const standardContext = (g: GeneratorValue) => (): [number, number] => [pick(g, [1, 2, 3, 3, 3]), pick(g, [1, 2, 3, 3, 3])];

/** A second file edited without drift (the model copies it exactly). */
function plainEdit(g: GeneratorValue, path: string, file: SourceFile, tag: string): FileEdit {
  const hunks = planHunks(g, file, { hunks: int(g, 1, 2), context: standardContext(g) }, tag);
  return editOf(g, path, file, hunks, () => drifts.NO_DRIFT);
}

function editOf(g: GeneratorValue, path: string, file: SourceFile, hunks: PlannedHunk[], drift: FileEdit["drift"], headerChance = 0.25): FileEdit {
  return {
    path,
    file,
    hunks,
    drift,
    headers: hunks.map((h) => (chance(g, headerChance) ? enclosingHeader(g, file, h) : [])),
    endOfFile: hunks.map((h) => h.start + windowLength(h) === file.lines.length && windowLength(h) > 0 && chance(g, 0.5)),
    order: hunks.map((_, i) => i),
  };
}

/** The signature of the function around a hunk, as a Codex `@@` header (whole or cut before the parameters). */
function enclosingHeader(g: GeneratorValue, file: SourceFile, h: PlannedHunk): string[] {
  const unit = file.units.find((u) => u.signature < h.start && h.start < u.end);
  if (unit === undefined) return [];
  return [signatureHeader(g, file.lines[unit.signature] ?? "")];
}

function signatureHeader(g: GeneratorValue, signature: string, form: "whole" | "abbreviated" | "either" = "either"): string {
  const text = signature.trim();
  const paren = text.indexOf("(", text.startsWith("func (") ? 6 : 0);
  const abbreviate = form === "abbreviated" || (form === "either" && chance(g, 0.5));
  return abbreviate && paren >= 3 ? text.slice(0, paren) : text;
}

function primaryPath(file: SourceFile): string {
  return { ts: "src/app.ts", py: "app/service.py", go: "pkg/server/server.go" }[file.language];
}

function primaryEdit(g: GeneratorValue, kind: DriftKind, format: CaseFormat): { edit: FileEdit; variant: string } | undefined {
  const context = standardContext(g);
  const plan = (file: SourceFile, extra: Partial<PlanOptions> = {}): PlannedHunk[] =>
    planHunks(g, file, { hunks: int(g, 1, 3), context, ...extra }, "p");
  const simple = (options: SourceOptions, drift: FileEdit["drift"], extra: Partial<PlanOptions> = {}): FileEdit => {
    const file = genSource(g, options);
    return editOf(g, primaryPath(file), file, plan(file, extra), drift);
  };
  const linesWhere = (file: SourceFile, test: (line: string) => boolean): number[] =>
    file.lines.flatMap((line, i) => (test(line) ? [i] : []));
  switch (kind) {
    case "none":
    case "truncated": {
      const file = genSource(g);
      const hunks = plan(file);
      if (chance(g, 0.8)) return { edit: editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT), variant: "exact" };
      const edit = editOf(g, primaryPath(file), file, [...hunks, appendAtEnd(g, file, "pa")], () => drifts.NO_DRIFT);
      return { edit, variant: "exact+append" };
    }
    case "trailing-whitespace": {
      if (format === "codex" && chance(g, 0.2)) return twinLineDeletion(g);
      if (chance(g, 0.5)) return { edit: simple({}, (old) => drifts.trailingAdded(g, old.length)), variant: "added-in-patch" };
      const file = genSource(g, { trailingWhitespace: true, mixedEol: false });
      const focus = { lines: linesWhere(file, (line) => line !== line.trimEnd() && line.trim() !== "") };
      if (focus.lines.length === 0) return undefined;
      return { edit: editOf(g, primaryPath(file), file, plan(file, { focus }), () => drifts.trailingStripped), variant: "stripped-in-patch" };
    }
    case "unicode-punctuation": {
      if (chance(g, 0.6)) {
        const file = genSource(g);
        const focus = { lines: linesWhere(file, (line) => typographic(line) !== line) };
        if (focus.lines.length === 0) return undefined;
        return { edit: editOf(g, primaryPath(file), file, plan(file, { focus }), (old) => drifts.curlyInPatch(g, old)), variant: "curly-in-patch" };
      }
      const file = genSource(g, { unicodeComments: true });
      const focus = { lines: linesWhere(file, (line) => /[^\x20-\x7e\t\r]/.test(line)) };
      if (focus.lines.length === 0) return undefined;
      return { edit: editOf(g, primaryPath(file), file, plan(file, { focus }), () => drifts.asciiInPatch), variant: "ascii-in-patch" };
    }
    case "indentation-shift": {
      const edit = simple({ indent: "spaces" }, (old, added) => drifts.randomShift(g, [...old, ...added]));
      return { edit, variant: "shift" };
    }
    case "tabs-vs-spaces": {
      if (chance(g, 0.5)) {
        const width = pick(g, [2, 4, 4, 8]);
        return { edit: simple({ indent: "tabs" }, () => drifts.tabsToSpaces(width)), variant: `tabs->spaces(${width})` };
      }
      const file = genSource(g, { indent: "spaces" });
      const unit = file.indentUnit.length;
      return { edit: editOf(g, primaryPath(file), file, plan(file), () => drifts.spacesToTabs(unit)), variant: `spaces->tabs(${unit})` };
    }
    case "combined": {
      const drift: FileEdit["drift"] = (old, added) =>
        drifts.compose("shift+trailing+curly", [drifts.randomShift(g, [...old, ...added]), drifts.trailingAdded(g, old.length), drifts.curlyInPatch(g, old)]);
      return { edit: simple({ indent: "spaces" }, drift), variant: "shift+trailing+curly" };
    }
    case "stale-context": {
      const file = genSource(g);
      const wide = (): [number, number] => [int(g, 1, 3), int(g, 1, 3)];
      const edit = editOf(g, primaryPath(file), file, plan(file, { context: wide }), () => drifts.NO_DRIFT);
      const first = edit.hunks[0];
      if (first === undefined) return undefined;
      const window = windowLines(file, first);
      const candidates = window.flatMap((line, i) => (line.trim() !== "" && drifts.staleVersion(line) !== undefined ? [i] : []));
      if (candidates.length === 0) return undefined;
      const line = pick(g, candidates);
      edit.stale = { hunk: 0, line };
      const removed = line >= first.before && line < first.before + first.removed;
      return { edit, variant: removed ? "stale-removed-line" : "stale-context-line" };
    }
    case "missing-context": {
      const none = chance(g, 0.5);
      const contextOf = (): [number, number] => (none ? [0, 0] : pick(g, [[1, 0], [0, 1]] as Array<[number, number]>));
      const file = genSource(g);
      const counts = new Map<string, number>();
      for (const line of file.lines) counts.set(line, (counts.get(line) ?? 0) + 1);
      const repeated = linesWhere(file, (line) => line.trim() !== "" && (counts.get(line) ?? 0) > 1);
      const focus = chance(g, 0.6) && repeated.length > 0 ? { lines: repeated } : undefined;
      const hunks = planHunks(g, file, { hunks: int(g, 1, 3), context: contextOf, mustRemove: true, ...(focus ? { focus } : {}) }, "p");
      const edit = editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT, 0.15);
      return { edit, variant: `${none ? "no-context" : "one-context-line"}${focus ? ", repeated line" : ""}` };
    }
    case "duplicated-region": {
      const variant = format === "search-replace" ? "ambiguous" : pick(g, ["ambiguous", "anchored", "anchored", "end-of-file"] as const);
      const file = genSource(g, { duplicate: true, duplicateAtEnd: variant === "end-of-file" });
      const dup = file.duplicate;
      if (dup === undefined) return undefined;
      const second = variant === "end-of-file" || chance(g, 0.5);
      const region = second ? dup.second : dup.first;
      const hunks = planHunks(g, file, { hunks: 1, context, focus: { region, atEnd: variant === "end-of-file" } }, "p");
      const edit = editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT, 0);
      const unit = file.units[second ? dup.secondUnit : dup.firstUnit];
      if (variant === "anchored" && unit !== undefined) edit.headers = hunks.map(() => [signatureHeader(g, file.lines[unit.signature] ?? "")]);
      edit.endOfFile = hunks.map(() => variant === "end-of-file");
      return { edit, variant: `${variant}, ${second ? "second" : "first"} copy` };
    }
    case "out-of-order": {
      const file = genSource(g);
      const hunks = planHunks(g, file, { hunks: int(g, 2, 3), context }, "p");
      if (hunks.length < 2) return undefined;
      const edit = editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT);
      edit.order = hunks.map((_, i) => hunks.length - 1 - i);
      if (chance(g, 0.3)) edit.order = [1, 0, ...edit.order.slice(2).reverse().map((_, i) => i + 2)];
      return { edit, variant: edit.order[0] === hunks.length - 1 ? "reversed" : "swapped" };
    }
    case "anchor-header": {
      const file = genSource(g);
      const variant = pick(g, ["insert-after-header", "stale-header-insert", "stale-header", "abbreviated-header"] as const);
      if (variant === "insert-after-header" || variant === "stale-header-insert") {
        const unit = int(g, 0, file.units.length - 1);
        const target = file.units[unit];
        const hunk = insertAfterSignature(g, file, unit, "p");
        if (target === undefined || hunk === undefined) return undefined;
        const edit = editOf(g, primaryPath(file), file, [hunk], () => drifts.NO_DRIFT, 0);
        const signature = file.lines[target.signature] ?? "";
        edit.headers = [[variant === "stale-header-insert" ? renamed(signature, target.name) : signatureHeader(g, signature)]];
        edit.endOfFile = [false];
        return { edit, variant };
      }
      const hunks = plan(file);
      const edit = editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT, 0);
      edit.headers = hunks.map((h) => {
        const unit = file.units.find((u) => u.signature < h.start && h.start < u.end);
        return unit === undefined ? [] : [signatureHeader(g, file.lines[unit.signature] ?? "", "abbreviated")];
      });
      if (variant === "stale-header") {
        edit.headers = hunks.map((h) => {
          const unit = file.units.find((u) => u.signature < h.start && h.start < u.end);
          return unit === undefined ? ["def helper_that_was_renamed(input):"] : [renamed(file.lines[unit.signature] ?? "", unit.name)];
        });
      }
      return { edit, variant };
    }
    case "eof-blank-line": {
      const file = genSource(g, { finalNewline: chance(g, 0.9) });
      const hunks = planHunks(g, file, { hunks: 1, context, focus: { atEnd: true } }, "p");
      const edit = editOf(g, primaryPath(file), file, hunks, () => drifts.NO_DRIFT);
      edit.eofBlank = 0;
      return { edit, variant: edit.endOfFile[0] === true ? "with End of File" : "blank line only" };
    }
  }
}


/**
 * A line followed by its twin that differs only in trailing whitespace (a line pasted twice); the model
 * deletes the first and quotes the second, both without their trailing whitespace. Codex only: in
 * SEARCH/REPLACE nothing says which of the two was meant to stay.
 */
function twinLineDeletion(g: GeneratorValue): { edit: FileEdit; variant: string } | undefined {
  const file = genSource(g, { trailingWhitespace: true, mixedEol: false });
  const candidates = file.lines.flatMap((line, i) => (line.trim() !== "" && (file.depths[i] ?? 0) > 0 ? [i] : []));
  if (candidates.length === 0) return undefined;
  const t = pick(g, candidates);
  const line = file.lines[t] ?? "";
  const twin = line === line.trimEnd() ? line + pick(g, [" ", "  ", "\t"]) : line.trimEnd();
  file.lines.splice(t + 1, 0, twin);
  file.depths.splice(t + 1, 0, file.depths[t] ?? 0);
  for (const unit of file.units) {
    if (unit.signature > t) unit.signature++;
    if (unit.bodyStart > t) unit.bodyStart++;
    if (unit.end > t) unit.end++;
  }
  const before = Math.min(int(g, 1, 3), t);
  const after = Math.min(int(g, 1, 3), file.lines.length - t - 1);
  const hunk: PlannedHunk = { start: t - before, before, removed: 1, after, added: [], addedDepths: [] };
  return { edit: editOf(g, primaryPath(file), file, [hunk], () => drifts.trailingStripped), variant: "stripped-in-patch, twin line deleted" };
}

function renamed(signature: string, name: string): string {
  return signature.trim().replace(name, `${name}Legacy`);
}

