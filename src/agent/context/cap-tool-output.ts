/**
 * Tool output as the model keeps it in its history: a test run or a search that prints megabytes would
 * fill the window with one answer. The head (what ran, the first errors) and the tail (the summary, the
 * exit status) carry the meaning; the middle is elided with a note saying how much and how to see it.
 */
export interface OutputLimits {
  maxBytes: number;
  maxLines: number;
}

function elisionNote(lines: number, bytes: number): string {
  return `[… ${lines.toLocaleString("en-US")} lines (${bytes.toLocaleString("en-US")} bytes) elided to fit the context window; narrow the command or read the file in pages to see them …]`;
}

/** The last `bytes` bytes of `text`, from a line start where the cut leaves more than one line. */
function byteTail(text: string, bytes: number): string {
  const buffer = Buffer.from(text, "utf8");
  if (buffer.length <= bytes) return text;
  const cut = buffer.subarray(buffer.length - bytes).toString("utf8");
  const newline = cut.indexOf("\n");
  return newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut.replace(/^\uFFFD+/, "");
}

/** The first `bytes` bytes of `text`, up to a line end where the cut leaves more than one line. */
function byteHead(text: string, bytes: number): string {
  const buffer = Buffer.from(text, "utf8");
  if (buffer.length <= bytes) return text;
  const cut = buffer.subarray(0, bytes).toString("utf8");
  const newline = cut.lastIndexOf("\n");
  return newline > 0 ? cut.slice(0, newline) : cut.replace(/\uFFFD+$/, "");
}

export function capToolOutput(output: string, limits: OutputLimits): string {
  const bytes = Buffer.byteLength(output, "utf8");
  const lines = output.split("\n");
  if (bytes <= limits.maxBytes && lines.length <= limits.maxLines) return output;
  // Two thirds of the room to the head, one third to the tail: errors tend to come first.
  const headLines = Math.max(1, Math.floor((limits.maxLines * 2) / 3));
  const tailLines = Math.max(1, limits.maxLines - headLines);
  const headBytes = Math.floor((limits.maxBytes * 2) / 3);
  const tailBytes = limits.maxBytes - headBytes;
  const head = byteHead(lines.slice(0, headLines).join("\n"), headBytes);
  const tail = lines.length > headLines ? byteTail(lines.slice(-tailLines).join("\n"), tailBytes) : byteTail(output, tailBytes);
  const keptBytes = Buffer.byteLength(head, "utf8") + Buffer.byteLength(tail, "utf8");
  const elidedLines = Math.max(0, lines.length - head.split("\n").length - tail.split("\n").length);
  return `${head}\n${elisionNote(elidedLines, bytes - keptBytes)}\n${tail}`;
}
