import fc, { type GeneratorValue } from "fast-check";

/**
 * Random source files shaped like real TypeScript, Python and Go: imports, functions and classes with
 * nested blocks, blank lines, lines that repeat (closing braces, `return result`, `if err != nil`), and
 * on request a duplicated region (one function's body copied into another function).
 */

export type Language = "ts" | "py" | "go";

/** A function (or method) of the file: where its signature is and where its body lies. */
export interface SourceUnit {
  name: string;
  /** Line index of the signature (`def f():`, `function f() {`). */
  signature: number;
  /** First body line. */
  bodyStart: number;
  /** Exclusive end of the body, closing brace included (for TS and Go). */
  end: number;
}

export interface SourceFile {
  language: Language;
  /** One level of indentation: "  ", "    " or "\t". */
  indentUnit: string;
  lines: string[];
  /** Indentation level of every line (blank lines: their block's level). */
  depths: number[];
  units: SourceUnit[];
  eol: "\n" | "\r\n";
  bom: boolean;
  finalNewline: boolean;
  /**
   * Mixed line endings: `lines` then hold the text as the engine splits it (on LF only), so CRLF lines
   * keep their "\r" and `eol` is "\n".
   */
  mixedEol: boolean;
  /** What lines added to the file end with: "\r" in a mixed file whose breaks are mostly CRLF. */
  addedSuffix: "" | "\r";
  /** [start, end) of the two copies of the duplicated region, when one was asked for. */
  duplicate?: { first: [number, number]; second: [number, number]; firstUnit: number; secondUnit: number };
}

export interface SourceOptions {
  language?: Language;
  indent?: "spaces" | "tabs";
  /** Copy one function body into a new function (placed last when `duplicateAtEnd`). */
  duplicate?: boolean;
  duplicateAtEnd?: boolean;
  /** Give some lines trailing spaces or tabs. */
  trailingWhitespace?: boolean;
  /** Write comments with typographic punctuation (curly quotes, dashes). */
  unicodeComments?: boolean;
  crlf?: boolean;
  /** Mostly CRLF with a few LF line endings (ignored when `crlf` is given). */
  mixedEol?: boolean;
  bom?: boolean;
  finalNewline?: boolean;
}

/** Uniform: fast-check's integers lean towards the bounds, which would skew every probability here. */
const uniformInteger = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }));

export function int(g: GeneratorValue, min: number, max: number): number {
  return g(uniformInteger, min, max);
}

export function pick<T>(g: GeneratorValue, list: readonly T[]): T {
  const value = list[int(g, 0, list.length - 1)];
  if (value === undefined) throw new Error("pick() from an empty list");
  return value;
}

/** True with probability `p` (0..1). */
export function chance(g: GeneratorValue, p: number): boolean {
  return int(g, 0, 999) < p * 1000;
}

const WORDS = ["config", "user", "item", "path", "token", "entry", "buffer", "record", "session", "limit", "cache", "query"];
const VERBS = ["load", "parse", "resolve", "fetch", "merge", "render", "update", "check", "flush", "build", "apply", "scan"];
const FIELDS = ["size", "count", "weight", "length", "score"];
const COMMENTS = [
  "don't retry here - the caller does",
  "it's \"best effort\": errors are logged",
  "keep this in sync with the docs",
  "TODO: handle the empty case",
  "note: the order matters...",
  "we can't cache this -- it changes",
];

/** One line of a unit before assembly: indentation level relative to the unit, and text. */
type Line = [depth: number, text: string];

interface UnitSpec {
  name: string;
  /** The signature at depth 0 plus body lines; for a class, methods are nested units. */
  lines: Line[];
  /** Index in `lines` of each function's signature, body start and end (relative). */
  functions: Array<{ name: string; signature: number; bodyStart: number; end: number }>;
  isClass: boolean;
}

class Namer {
  private next = 1;
  id(): number {
    return this.next++;
  }
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function statement(g: GeneratorValue, lang: Language, namer: Namer): Line[] {
  const n = namer.id();
  const w = pick(g, WORDS);
  const v = pick(g, VERBS);
  const kind = pick(g, ["assign", "assign", "guard", "loop", "nested", "log", "comment", "blank"] as const);
  const ret = pick(g, lang === "go" ? ["nil", "err", "result"] : lang === "py" ? ["result", "None", "False"] : ["result", "null", "undefined"]);
  const field = pick(g, FIELDS);
  const comment = pick(g, COMMENTS);
  const semi = lang === "ts" ? ";" : "";
  const name = lang === "py" ? `${w}_${n}` : `${w}${n}`;
  const assign = lang === "go" ? `${name} := ${v}${capital(w)}(input, ${n})` : `${lang === "ts" ? "const " : ""}${name} = ${v}${capital(w)}(input, ${n})${semi}`;
  const guardOpen = lang === "go" ? (chance(g, 0.5) ? "if err != nil {" : `if ${name} == nil {`) : lang === "py" ? `if ${name} is None:` : `if (${name} === undefined) {`;
  const loopOpen = lang === "go" ? "for _, item := range items {" : lang === "py" ? "for item in items:" : "for (const item of items) {";
  const loopBody = `total += item.${lang === "go" ? capital(field) : field}${semi}`;
  const close: Line[] = lang === "py" ? [] : [[0, "}"]];
  const returnLine = lang === "go" && guardOpen === "if err != nil {" ? "return err" : `return ${ret}${semi}`;
  switch (kind) {
    case "assign":
      return [[0, assign]];
    case "guard":
      return [[0, assign], [0, guardOpen], [1, returnLine], ...close];
    case "loop":
      return [[0, loopOpen], [1, loopBody], ...close];
    case "nested":
      return [[0, loopOpen], [1, lang === "py" ? `if item.${field} > ${n}:` : lang === "go" ? `if item.${capital(field)} > ${n} {` : `if (item.${field} > ${n}) {`], [2, lang === "py" ? "continue" : `continue${semi}`], ...close.map(([d, t]): Line => [d + 1, t]), [1, loopBody], ...close];
    case "log": {
      const message = pick(g, [`can't ${v} ${w} - retrying`, `${w} isn't ready`, `loaded "${w}" -- ok`]);
      const call = lang === "go" ? `log.Printf("${message.replace(/"/g, "'")}: %v", ${name})` : lang === "py" ? `logger.info("${message.replace(/"/g, "'")}", ${n})` : `logger.info("${message.replace(/"/g, "'")}", ${n});`;
      return [[0, call]];
    }
    case "comment":
      return [[0, `${lang === "py" ? "#" : "//"} ${comment}`]];
    case "blank":
      return [[0, ""]];
  }
}

function functionSpec(g: GeneratorValue, lang: Language, namer: Namer, method: boolean): { name: string; lines: Line[] } {
  const verb = pick(g, VERBS);
  const word = pick(g, WORDS);
  const id = namer.id();
  const name = lang === "go" ? `${capital(verb)}${capital(word)}${id}` : lang === "py" ? `${verb}_${word}_${id}` : `${verb}${capital(word)}${id}`;
  const signature =
    lang === "go"
      ? method
        ? `func (s *Service) ${name}(input string) error {`
        : `func ${name}(input string) error {`
      : lang === "py"
        ? `def ${name}(${method ? "self, " : ""}input):`
        : `${method ? "" : "export function "}${name}(input: string): number {`;
  const body: Line[] = [];
  const count = int(g, 2, 6);
  for (let k = 0; k < count; k++) body.push(...statement(g, lang, namer).map(([d, t]): Line => [d + 1, t]));
  // A body never starts or ends with a blank line.
  while (body[0]?.[1] === "") body.shift();
  while (body.at(-1)?.[1] === "") body.pop();
  const finalReturn = lang === "go" ? "return nil" : lang === "py" ? "return result" : "return result;";
  body.push([1, finalReturn]);
  const closing: Line[] = lang === "py" ? [] : [[0, "}"]];
  return { name, lines: [[0, signature], ...body, ...closing] };
}

function unitSpec(g: GeneratorValue, lang: Language, namer: Namer, allowClass: boolean): UnitSpec {
  if (!allowClass || lang === "go" || !chance(g, 0.25)) {
    const fn = functionSpec(g, lang, namer, false);
    return { name: fn.name, lines: fn.lines, isClass: false, functions: [{ name: fn.name, signature: 0, bodyStart: 1, end: fn.lines.length }] };
  }
  const className = `${capital(pick(g, WORDS))}Store${namer.id()}`;
  const lines: Line[] = [[0, lang === "py" ? `class ${className}:` : `export class ${className} {`]];
  const functions: UnitSpec["functions"] = [];
  const methods = int(g, 1, 2);
  for (let m = 0; m < methods; m++) {
    if (m > 0) lines.push([1, ""]);
    const fn = functionSpec(g, lang, namer, true);
    const signature = lines.length;
    lines.push(...fn.lines.map(([d, t]): Line => [d + 1, t]));
    functions.push({ name: fn.name, signature, bodyStart: signature + 1, end: lines.length });
  }
  if (lang === "ts") lines.push([0, "}"]);
  return { name: className, lines, isClass: true, functions };
}

function headerLines(g: GeneratorValue, lang: Language, namer: Namer): Line[] {
  if (lang === "go") return [[0, `package ${pick(g, WORDS)}`], [0, ""], [0, "import ("], [1, '"fmt"'], [1, '"log"'], [0, ")"]];
  if (lang === "py") return [[0, "import logging"], [0, "import os"], [0, ""], [0, "logger = logging.getLogger(__name__)"]];
  const count = int(g, 1, 3);
  const lines: Line[] = [];
  for (let k = 0; k < count; k++) lines.push([0, `import { ${pick(g, VERBS)}${capital(pick(g, WORDS))} } from "./${pick(g, WORDS)}-${namer.id()}.js";`]);
  return [...lines, [0, 'import { logger } from "./log.js";']];
}

function chooseIndent(g: GeneratorValue, lang: Language, indent: SourceOptions["indent"]): string {
  if (lang === "go") return "\t";
  if (indent === "tabs") return "\t";
  if (lang === "py") return indent === "spaces" || chance(g, 0.9) ? "    " : "  ";
  if (indent === "spaces") return pick(g, ["  ", "  ", "    "]);
  return pick(g, ["  ", "  ", "    ", "\t"]);
}

export function genSource(g: GeneratorValue, options: SourceOptions = {}): SourceFile {
  const lang = options.language ?? (options.indent === "tabs" ? pick(g, ["go", "go", "ts"] as const) : options.indent === "spaces" ? pick(g, ["ts", "py"] as const) : pick(g, ["ts", "py", "go"] as const));
  const indentUnit = chooseIndent(g, lang, options.indent);
  const namer = new Namer();
  const units: UnitSpec[] = [];
  const count = int(g, 3, 6);
  for (let k = 0; k < count; k++) units.push(unitSpec(g, lang, namer, !(options.duplicate === true && k === 0)));
  let duplicateOf: number | undefined;
  if (options.duplicate === true) {
    // Unit 0 is a plain function; its body (closing brace included) is copied into a new function.
    const source = units[0];
    if (source === undefined) throw new Error("no unit to duplicate");
    const copy = functionSpec(g, lang, namer, false);
    const signature = copy.lines[0] ?? [0, ""];
    const lines: Line[] = [signature, ...source.lines.slice(1)];
    const at = options.duplicateAtEnd === true ? units.length : int(g, 1, units.length);
    units.splice(at, 0, { name: copy.name, lines, isClass: false, functions: [{ name: copy.name, signature: 0, bodyStart: 1, end: lines.length }] });
    duplicateOf = at;
  }
  const separator: Line[] = lang === "py" ? [[0, ""], [0, ""]] : [[0, ""]];
  const all: Line[] = [...headerLines(g, lang, namer), ...separator];
  const placed: SourceUnit[] = [];
  const unitStarts: number[] = [];
  units.forEach((unit, k) => {
    if (k > 0) all.push(...separator);
    const base = all.length;
    unitStarts.push(base);
    all.push(...unit.lines);
    for (const fn of unit.functions) placed.push({ name: fn.name, signature: base + fn.signature, bodyStart: base + fn.bodyStart, end: base + fn.end });
  });
  const lines = all.map(([depth, text]) => (text === "" ? "" : indentUnit.repeat(depth) + text));
  const depths = all.map(([depth]) => depth);
  const file: SourceFile = {
    language: lang,
    indentUnit,
    lines,
    depths,
    units: placed,
    eol: options.crlf ?? chance(g, 0.3) ? "\r\n" : "\n",
    bom: options.bom ?? chance(g, 0.1),
    finalNewline: options.finalNewline ?? chance(g, 0.8),
    mixedEol: false,
    addedSuffix: "",
  };
  if (duplicateOf !== undefined) {
    const firstStart = unitStarts[0] ?? 0;
    const secondStart = unitStarts[duplicateOf] ?? 0;
    const length = (units[0]?.lines.length ?? 1) - 1;
    const firstUnit = placed.findIndex((u) => u.signature === firstStart);
    const secondUnit = placed.findIndex((u) => u.signature === secondStart);
    file.duplicate = { first: [firstStart + 1, firstStart + 1 + length], second: [secondStart + 1, secondStart + 1 + length], firstUnit, secondUnit };
  }
  if (options.trailingWhitespace === true) {
    file.lines = file.lines.map((line) => (chance(g, 0.3) ? line + pick(g, [" ", "  ", "\t", "   "]) : line));
  }
  if (options.unicodeComments === true) {
    file.lines = file.lines.map((line) => (/^\s*(\/\/|#)/.test(line) ? typographic(line) : line));
  }
  if (options.crlf === undefined && (options.mixedEol ?? chance(g, 0.07))) mixLineEndings(g, file);
  return file;
}

/**
 * Some lines end in CRLF, others (at least one) in LF; the last line has no ending without a final
 * newline. Added lines get "\r" when more than half of the breaks are CRLF (the engine's rule).
 */
function mixLineEndings(g: GeneratorValue, file: SourceFile): void {
  const last = file.lines.length - 1;
  const breaks = file.finalNewline ? file.lines.length : last;
  const lfShare = pick(g, [0.1, 0.2, 0.6]);
  const lf = new Set<number>([int(g, 0, breaks - 1)]);
  for (let k = 0; k < breaks; k++) if (chance(g, lfShare)) lf.add(k);
  file.lines = file.lines.map((line, k) => (lf.has(k) || (k === last && !file.finalNewline) ? line : `${line}\r`));
  file.eol = "\n";
  file.mixedEol = true;
  const crlf = breaks - lf.size;
  file.addedSuffix = crlf * 2 > breaks ? "\r" : "";
}

/** What a word processor does to ASCII punctuation. */
export function typographic(line: string): string {
  return line
    .replace(/"([^"]*)"/g, "\u201C$1\u201D")
    .replace(/(\w)'(\w)/g, "$1\u2019$2")
    .replace(/ -- /g, " \u2014 ")
    .replace(/ - /g, " \u2013 ")
    .replace(/\.\.\./g, "\u2026");
}

/** The file's bytes as text: BOM, lines joined with its line ending, final newline when it has one. */
export function renderFile(lines: readonly string[], doc: Pick<SourceFile, "eol" | "bom" | "finalNewline">): string {
  let text = lines.join(doc.eol);
  if (lines.length > 0 && doc.finalNewline) text += doc.eol;
  return doc.bom ? `\uFEFF${text}` : text;
}

/** Lines of a fresh file for `*** Add File:` / SEARCH/REPLACE creation: unique, always newline-terminated. */
export function freshFileLines(g: GeneratorValue, lang: Language, tag: string): string[] {
  const namer = new Namer();
  const fn = functionSpec(g, lang, namer, false);
  const indent = lang === "go" ? "\t" : "    ";
  const head = lang === "go" ? [`package added${tag}`, ""] : lang === "py" ? [`# added ${tag}`, ""] : [`// added ${tag}`, ""];
  return [...head, ...fn.lines.map(([d, t]) => (t === "" ? "" : indent.repeat(d) + t.replace(/(\d+)/, `${tag}x$1`)))];
}
