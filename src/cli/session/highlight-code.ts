import { paint } from "./ansi-style.js";

/**
 * A small line-at-a-time syntax highlighter for fenced code in the model's answers: keywords, strings,
 * numbers, comments and type-like names, for the languages a coding model writes most. It carries
 * only one bit between lines (inside a block comment), so a streamed line is styled once, when it
 * ends, and never again.
 */

export interface Grammar {
  keywords: ReadonlySet<string>;
  constants: ReadonlySet<string>;
  lineComments: readonly string[];
  blockComment?: readonly [open: string, close: string];
  quotes: string;
  /** Diffs colour whole lines by their first character instead. */
  diff?: boolean;
}

export interface CodeState {
  inBlockComment: boolean;
}

const words = (text: string): ReadonlySet<string> => new Set(text.split(/\s+/).filter(Boolean));

const C_CONSTANTS = words("true false null nullptr NULL nil None True False undefined NaN Infinity this self super");

const JS = words(
  "abstract as async await break case catch class const constructor continue debugger declare default delete do else enum export extends finally for from function get if implements import in instanceof interface keyof let module namespace new of private protected public readonly return satisfies set static switch throw try type typeof var void while with yield",
);
const PYTHON = words("and as assert async await break class continue def del elif else except finally for from global if import in is lambda match case nonlocal not or pass raise return try while with yield");
const SHELL = words("if then else elif fi for while until do done case esac in function return local export readonly set unset source echo exit cd");
const GO = words("break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var");
const RUST = words("as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return static struct trait type unsafe use where while Self");
const C_LIKE = words(
  "auto break case catch char class const continue default delete do double else enum extends extern final finally float for fun goto if implements import int interface long namespace new override package private protected public return short signed sizeof static struct switch template this throw throws try typedef typename union unsigned using val var virtual void volatile when while",
);
const SQL = words(
  "select from where insert into values update set delete create table index view drop alter add primary key foreign references join left right inner outer on group by order having limit offset as and or not null is in exists distinct union all case when then else end begin commit rollback",
);
const CSS = words("important media import supports keyframes from to");
const NONE = words("");

const cLike = (keywords: ReadonlySet<string>, quotes = "\"'"): Grammar => ({
  keywords,
  constants: C_CONSTANTS,
  lineComments: ["//"],
  blockComment: ["/*", "*/"],
  quotes,
});
const hashComments = (keywords: ReadonlySet<string>): Grammar => ({ keywords, constants: C_CONSTANTS, lineComments: ["#"], quotes: "\"'" });

const GRAMMARS: Record<string, Grammar> = {
  js: cLike(JS, "\"'`"),
  py: hashComments(PYTHON),
  sh: hashComments(SHELL),
  go: cLike(GO, "\"'`"),
  rust: cLike(RUST),
  c: cLike(C_LIKE),
  json: { keywords: NONE, constants: words("true false null"), lineComments: ["//"], quotes: '"' },
  yaml: { keywords: NONE, constants: words("true false null yes no on off"), lineComments: ["#"], quotes: "\"'" },
  sql: { keywords: SQL, constants: words("null true false"), lineComments: ["--"], blockComment: ["/*", "*/"], quotes: "'\"" },
  css: { keywords: CSS, constants: NONE, lineComments: [], blockComment: ["/*", "*/"], quotes: "\"'" },
  diff: { keywords: NONE, constants: NONE, lineComments: [], quotes: "", diff: true },
};

const ALIASES: Record<string, keyof typeof GRAMMARS> = {
  js: "js", javascript: "js", jsx: "js", mjs: "js", cjs: "js", ts: "js", typescript: "js", tsx: "js", mts: "js", cts: "js",
  py: "py", python: "py", python3: "py",
  sh: "sh", bash: "sh", shell: "sh", zsh: "sh", console: "sh", shellscript: "sh",
  go: "go", golang: "go",
  rs: "rust", rust: "rust",
  c: "c", h: "c", cpp: "c", "c++": "c", cc: "c", hpp: "c", java: "c", kotlin: "c", kt: "c", cs: "c", csharp: "c", swift: "c", scala: "c", php: "c", dart: "c",
  json: "json", jsonc: "json", json5: "json",
  yaml: "yaml", yml: "yaml", toml: "yaml", ini: "yaml",
  sql: "sql",
  css: "css", scss: "css", less: "css",
  diff: "diff", patch: "diff",
};

/** The grammar for a fence's info string ("ts", "python", …); undefined: shown as plain text. */
export function grammarFor(language: string): Grammar | undefined {
  const key = ALIASES[language.toLowerCase()];
  return key === undefined ? undefined : GRAMMARS[key];
}

const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:0[xX][\da-fA-F_]+|0[bB][01_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?)[a-zA-Z]*/y;

function diffLine(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---")) return paint.bold(line);
  if (line.startsWith("+")) return paint.green(line);
  if (line.startsWith("-")) return paint.red(line);
  if (line.startsWith("@@")) return paint.cyan(line);
  return line;
}

function stringEnd(line: string, start: number, quote: string): number {
  for (let i = start + 1; i < line.length; i++) {
    const char = line[i];
    if (char === "\\") i++;
    else if (char === quote) return i + 1;
  }
  return line.length;
}

/** Styles one line of code; `state` says whether it starts inside a block comment. */
export function highlightLine(line: string, grammar: Grammar, state: CodeState): { text: string; state: CodeState } {
  if (grammar.diff) return { text: diffLine(line), state };
  let out = "";
  let plainFrom = 0;
  let i = 0;
  let inBlock = state.inBlockComment;
  const flush = (to: number) => {
    if (to > plainFrom) out += line.slice(plainFrom, to);
  };
  const emit = (from: number, to: number, style: (text: string) => string) => {
    flush(from);
    out += style(line.slice(from, to));
    plainFrom = to;
    i = to;
  };
  if (inBlock && grammar.blockComment) {
    const close = line.indexOf(grammar.blockComment[1]);
    if (close === -1) return { text: paint.gray(line), state };
    inBlock = false;
    emit(0, close + grammar.blockComment[1].length, paint.gray);
  }
  while (i < line.length) {
    const char = line[i] as string;
    if (grammar.lineComments.some((marker) => line.startsWith(marker, i))) {
      emit(i, line.length, paint.gray);
      break;
    }
    if (grammar.blockComment && line.startsWith(grammar.blockComment[0], i)) {
      const close = line.indexOf(grammar.blockComment[1], i + grammar.blockComment[0].length);
      if (close === -1) {
        emit(i, line.length, paint.gray);
        inBlock = true;
        break;
      }
      emit(i, close + grammar.blockComment[1].length, paint.gray);
      continue;
    }
    if (grammar.quotes.includes(char)) {
      emit(i, stringEnd(line, i, char), paint.green);
      continue;
    }
    const previous = i > 0 ? (line[i - 1] as string) : " ";
    const afterWord = /[\w$]/.test(previous);
    if (!afterWord && char >= "0" && char <= "9") {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(line);
      if (match) {
        emit(i, i + match[0].length, paint.yellow);
        continue;
      }
    }
    if (!afterWord && /[A-Za-z_$]/.test(char)) {
      IDENTIFIER.lastIndex = i;
      const word = (IDENTIFIER.exec(line) as RegExpExecArray)[0];
      const end = i + word.length;
      if (grammar.keywords.has(word)) emit(i, end, paint.magenta);
      else if (grammar.constants.has(word)) emit(i, end, paint.yellow);
      else if (/^[A-Z][a-z]/.test(word)) emit(i, end, paint.cyan);
      else i = end;
      continue;
    }
    i++;
  }
  flush(line.length);
  return { text: out, state: inBlock === state.inBlockComment ? state : { inBlockComment: inBlock } };
}
