/**
 * The answer the benchmark streams: markdown a coding model writes (paragraphs, lists, headings, fenced
 * code), cut into word-sized tokens. Paragraph and list lines begin with a marker token ("X000123X")
 * whose first appearance in the terminal output times that line's trip from the server to the screen.
 */

export interface BenchToken {
  text: string;
  /** The marker's number when this token is one. */
  marker?: number;
}

const WORDS = "the parser reads each token and the lexer hands back spans so that errors point at the right column while the cache keeps".split(" ");
const CODE = [
  "```ts",
  "export function debounce<T extends (...args: never[]) => void>(fn: T, ms: number) {",
  "  let timer: ReturnType<typeof setTimeout> | undefined; // pending call",
  "  return (...args: Parameters<T>) => {",
  "    clearTimeout(timer);",
  '    timer = setTimeout(() => fn(...args), ms ?? 250);',
  "  };",
  "}",
  "```",
];

export const markerText = (n: number): string => `X${String(n).padStart(6, "0")}X`;
export const MARKER_PATTERN = /X(\d{6})X/g;

/** Yields tokens for ever (the server stops taking them when its time is up). */
export function* benchTokens(): Generator<BenchToken> {
  let marker = 0;
  let word = 0;
  for (let block = 0; ; block++) {
    if (block % 6 === 5) {
      for (const line of CODE) {
        for (const piece of line.split(/(?<= )/)) yield { text: piece };
        yield { text: "\n" };
      }
      yield { text: "\n" };
      continue;
    }
    if (block % 6 === 0) yield* [{ text: "## " }, { text: "Step " }, { text: `${block / 6 + 1}` }, { text: "\n\n" }];
    const list = block % 3 === 1;
    for (let line = 0; line < 6; line++) {
      if (list) yield { text: "- " };
      yield { text: `${markerText(++marker)} `, marker };
      for (let i = 0; i < 11; i++) yield { text: `${WORDS[word++ % WORDS.length]}${i === 10 ? "" : " "}` };
      yield { text: "\n" };
    }
    yield { text: "\n" };
  }
}
