/**
 * What a fill-in-the-middle prompt is made of: the text before and after the cursor (windowed), the
 * cursor's line split in two, and excerpts of other open files, most relevant first.
 */
export interface NeighborFile {
  path: string;
  text: string;
}

export interface FimContext {
  /** Workspace-relative path of the document (or its file name). */
  path: string;
  languageId: string;
  /** Text before the cursor, at most `prefixChars`, from a line start that moves in coarse steps (see stableTail). */
  prefix: string;
  /** Text after the cursor, at most `suffixChars`, cut at a line end. */
  suffix: string;
  /** The cursor's line, before and after the cursor. */
  linePrefix: string;
  lineSuffix: string;
  neighbors: NeighborFile[];
}

export interface OpenText {
  path: string;
  languageId: string;
  text: string;
  /** Larger is more recent. */
  lastTouched: number;
}

export interface FimLimits {
  prefixChars: number;
  suffixChars: number;
  neighborChars: number;
}

/**
 * The text before the cursor, at most `limit` characters, starting at a line start. The start only moves
 * in steps of a quarter of the limit, so while the user types (or moves a little) it stays put and the
 * prompt keeps the same beginning: the model's cached tokens for it stay valid.
 */
export function stableTail(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const step = Math.max(1, Math.floor(limit / 4));
  const start = Math.ceil((text.length - limit) / step) * step;
  const newline = text.indexOf("\n", start - 1);
  return newline >= 0 && newline < text.length - 1 ? text.slice(newline + 1) : text.slice(start);
}

/** The first `limit` characters of `text`, ending at a line end when the cut falls mid-line. */
function head(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const newline = cut.lastIndexOf("\n");
  return newline > 0 ? cut.slice(0, newline + 1) : cut;
}

/** Other open files: the same language first, then the most recently touched; each excerpt from its start. */
export function pickNeighbors(current: { path: string; languageId: string }, open: readonly OpenText[], budget: number): NeighborFile[] {
  const others = open
    .filter((file) => file.path !== current.path && file.text.trim() !== "")
    .sort((a, b) => Number(b.languageId === current.languageId) - Number(a.languageId === current.languageId) || b.lastTouched - a.lastTouched);
  const picked: NeighborFile[] = [];
  let left = budget;
  for (const file of others) {
    if (left < 200) break;
    const text = head(file.text, left);
    picked.push({ path: file.path, text });
    left -= text.length;
  }
  return picked;
}

export function buildFimContext(document: OpenText, offset: number, open: readonly OpenText[], limits: FimLimits): FimContext {
  const before = document.text.slice(0, offset);
  const after = document.text.slice(offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  const lineEnd = after.indexOf("\n");
  return {
    path: document.path,
    languageId: document.languageId,
    prefix: stableTail(before, limits.prefixChars),
    suffix: head(after, limits.suffixChars),
    linePrefix: before.slice(lineStart),
    lineSuffix: lineEnd < 0 ? after : after.slice(0, lineEnd),
    neighbors: pickNeighbors(document, open, limits.neighborChars),
  };
}

const hashComment = new Set(["python", "shellscript", "ruby", "perl", "r", "yaml", "toml", "dockerfile", "makefile", "powershell", "elixir", "julia", "coffeescript"]);
const dashComment = new Set(["sql", "lua", "haskell", "elm", "ada"]);

/** A line comment in the document's language, to show other files' paths inside a FIM prefix. */
export function lineComment(languageId: string, text: string): string {
  if (hashComment.has(languageId)) return `# ${text}`;
  if (dashComment.has(languageId)) return `-- ${text}`;
  if (languageId === "html" || languageId === "xml" || languageId === "markdown") return `<!-- ${text} -->`;
  return `// ${text}`;
}

/** The prefix a FIM model sees: other open files first (they change least, so their tokens stay cached), then the document. */
export function fimPrefix(context: FimContext): string {
  const parts = context.neighbors.map((neighbor) => `${lineComment(context.languageId, neighbor.path)}\n${neighbor.text}${neighbor.text.endsWith("\n") ? "" : "\n"}\n`);
  if (parts.length > 0) parts.push(`${lineComment(context.languageId, context.path)}\n`);
  return parts.join("") + context.prefix;
}
