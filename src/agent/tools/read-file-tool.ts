import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { resolveToolPath } from "./resolve-tool-path.js";
import { toolError } from "./tool.js";

/** Lines returned per call; longer files are read in pages so one read cannot flood the context. */
export const readPageLines = 400;
const maxLineChars = 2000;

/** The page's last line: at most `last`, fewer when the page would not fit the tool output limit (at least one line). */
function pageEnd(lines: readonly string[], first: number, last: number, maxBytes: number | undefined): number {
  if (maxBytes === undefined) return last;
  // Room for the line numbers and the note saying where to read on.
  let room = maxBytes - 160;
  for (let line = first; line <= last; line++) {
    room -= Math.min((lines[line - 1] ?? "").length, maxLineChars) + 10;
    if (room < 0) return Math.max(first, line - 1);
  }
  return last;
}

export const readFileTool = defineTool(
  "read_file",
  `Read a text file of the workspace, with line numbers. Reads at most ${readPageLines} lines per call; use start_line and end_line (1-based, inclusive) to page.`,
  z.object({
    path: z.string().describe("path relative to the workspace root"),
    start_line: z.number().int().min(1).optional(),
    end_line: z.number().int().min(1).optional(),
  }),
  async ({ path, start_line, end_line }, context) => {
    const resolved = await resolveToolPath(context.workspace, path);
    if (resolved.refusal) return resolved.refusal;
    const { real } = resolved;
    const info = await stat(real).catch(() => undefined);
    if (!info) return toolError(`${path} does not exist. Use list_files to see what is there.`);
    if (!info.isFile()) return toolError(`${path} is not a file.`);
    const bytes = await readFile(real);
    if (bytes.includes(0)) return toolError(`${path} is a binary file; read_file shows text only.`);
    const lines = bytes.toString("utf8").split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
    const first = start_line ?? 1;
    if (first > Math.max(lines.length, 1)) return toolError(`${path} has ${lines.length} lines; start_line ${first} is past the end.`);
    const last = pageEnd(lines, first, Math.min(lines.length, end_line ?? first + readPageLines - 1, first + readPageLines - 1), context.maxOutputBytes);
    const width = String(last).length;
    const body = lines
      .slice(first - 1, last)
      .map((line, index) => `${String(first + index).padStart(width)}| ${line.length > maxLineChars ? `${line.slice(0, maxLineChars)}… (line cut)` : line}`)
      .join("\n");
    const more = last < lines.length ? `\n(${path} has ${lines.length} lines; read on with start_line ${last + 1}.)` : "";
    const raw = lines.slice(first - 1, last).join("\n");
    return { ok: true, output: `${body}${more}`, predictionHint: raw };
  },
);
