/**
 * Elision markers: the lines a model writes in a lazy edit where it left unchanged code out, in the
 * comment syntax of the file's language (`// ... existing code ...`, `# ...`, `<!-- ... -->`,
 * `/* ... *\/`, `{/* ... *\/}` in JSX, `-- ...` in SQL and Lua, `; ...` in Lisp and INI files).
 *
 * A comment counts only when it says nothing but "code left out": dots first (`// ... rest of file`) or
 * one of the usual phrases. A real comment such as `// TODO...` or `// see above` is code, never a
 * marker, so it can never make Spark keep lines the model meant to replace.
 */

const OPENERS = ["{/*", "<!--", "//", "/*", "#", "--", ";"] as const;
const CLOSERS = ["*/}", "-->", "*/"] as const;
const DOTS = /^(\.\.\.|…)/;
/** What models write after (or instead of) the dots. */
const PHRASE = /^(?:(?:keep |the )?(?:existing|unchanged|remaining|other|previous|original)(?: \w+){0,3}|rest of(?: the)?(?: \w+){0,3}|omitted|unchanged|same as before|etc\.?)$/i;

/** A bare `...` line: aider's marker inside SEARCH/REPLACE blocks (not in whole files: it is valid Python). */
export function isBareEllipsis(line: string): boolean {
  const trimmed = line.trim();
  return trimmed === "..." || trimmed === "…";
}

export function isElisionMarker(line: string): boolean {
  const body = commentBody(line.trim());
  if (body === undefined) return false;
  if (DOTS.test(body)) return isMarkerWords(body.replace(DOTS, ""));
  return PHRASE.test(body.replace(/(\.\.\.|…)$/, "").trim());
}

/** The text inside a comment that makes up the whole line, or undefined when the line is not one. */
function commentBody(trimmed: string): string | undefined {
  const opener = OPENERS.find((candidate) => trimmed.startsWith(candidate));
  if (opener === undefined) return undefined;
  let body = trimmed.slice(opener.length);
  const closer = CLOSERS.find((candidate) => body.endsWith(candidate));
  if (closer !== undefined) body = body.slice(0, -closer.length);
  return body.trim();
}

/** After the leading dots: nothing, more dots, or a phrase like "existing code" or "rest of the file". */
function isMarkerWords(rest: string): boolean {
  const words = rest.replace(/(\.\.\.|…)$/, "").trim();
  return words === "" || PHRASE.test(words) || /^[\w\s,'-]{0,40}$/.test(words);
}
