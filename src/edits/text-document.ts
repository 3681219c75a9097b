import { PatchError } from "./patch-error.js";

/**
 * A text file as lines plus everything needed to write it back byte-for-byte where it did not change:
 * byte-order mark, line ending, final-newline state.
 *
 * Line endings: a file whose every break is CRLF is split on CRLF and joined with CRLF again. A file with
 * mixed endings is split on LF only, so each line keeps its own "\r" and unchanged lines come back
 * identical; lines the patch adds get "\r" when most of the file's breaks are CRLF.
 *
 * Final newline (Spark's rule, the one place it differs from Codex on purpose): a file whose last line
 * has no newline keeps it that way after an update; any other file, an empty one included, ends with one.
 */
export interface TextDocument {
  lines: string[];
  bom: boolean;
  eol: "\n" | "\r\n";
  /** "\r" in a mixed file that is mostly CRLF: the suffix added lines need to match their neighbours. */
  addedLineSuffix: "" | "\r";
  finalNewline: boolean;
}

const BOM = "\uFEFF";
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function decodeText(bytes: Uint8Array, displayPath: string): TextDocument {
  if (bytes.includes(0)) {
    throw new PatchError("binary_file", `${displayPath} is a binary file (it contains NUL bytes); patches only edit text files.`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new PatchError("binary_file", `${displayPath} is not valid UTF-8 text; Spark will not edit it, to avoid corrupting its encoding.`, {
      cause: error,
    });
  }
  const bom = text.startsWith(BOM);
  if (bom) text = text.slice(BOM.length);
  const { eol, addedLineSuffix } = detectLineEndings(text);
  const finalNewline = text === "" || text.endsWith("\n");
  const lines = text === "" ? [] : text.split(eol);
  if (finalNewline && lines.at(-1) === "") lines.pop();
  return { lines, bom, eol, addedLineSuffix, finalNewline };
}

function detectLineEndings(text: string): Pick<TextDocument, "eol" | "addedLineSuffix"> {
  const breaks = countOf(text, "\n");
  const crlf = countOf(text, "\r\n");
  if (breaks > 0 && crlf === breaks) return { eol: "\r\n", addedLineSuffix: "" };
  return { eol: "\n", addedLineSuffix: crlf * 2 > breaks ? "\r" : "" };
}

function countOf(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

export function encodeText(doc: TextDocument): Buffer {
  let text = doc.lines.join(doc.eol);
  // A last line that is empty exists only through its newline: without one it would vanish (a one-line
  // file replaced by one blank line must become "\n", not "").
  if (doc.lines.length > 0 && (doc.finalNewline || doc.lines.at(-1) === "")) text += doc.eol;
  return Buffer.from(doc.bom ? BOM + text : text, "utf8");
}
