import type { CaseFormat } from "./corpus-types.js";

/**
 * Writes a patch as a model would, in either grammar: the Codex `apply_patch` envelope or aider-style
 * SEARCH/REPLACE blocks (one block per hunk, the path above each).
 */

export type BodyLine = [tag: " " | "-" | "+", text: string];

export interface PatchHunk {
  headers: string[];
  body: BodyLine[];
  endOfFile: boolean;
}

export type PatchOp =
  | { kind: "add"; path: string; lines: string[] }
  | { kind: "delete"; path: string }
  | { kind: "update"; path: string; moveTo?: string; hunks: PatchHunk[] };

export interface RenderStyle {
  /** Write blank context lines as "" instead of " " (models drop the space). */
  bareBlankContext: boolean;
  /** Leave out the `@@` of a file's first hunk when it has no header (Codex allows it). */
  omitFirstAt: boolean;
  /** Wrap SEARCH/REPLACE blocks in a ``` fence. */
  fence: boolean;
  /** Join the patch with CRLF (it went through a Windows clipboard). */
  crlf: boolean;
}

export function renderPatch(format: CaseFormat, ops: readonly PatchOp[], style: RenderStyle): string {
  const lines = format === "codex" ? renderCodex(ops, style) : renderSearchReplace(ops, style);
  return lines.join(style.crlf ? "\r\n" : "\n") + (style.crlf ? "\r\n" : "\n");
}

function renderCodex(ops: readonly PatchOp[], style: RenderStyle): string[] {
  const out = ["*** Begin Patch"];
  for (const op of ops) {
    if (op.kind === "add") {
      out.push(`*** Add File: ${op.path}`, ...op.lines.map((line) => `+${line}`));
      continue;
    }
    if (op.kind === "delete") {
      out.push(`*** Delete File: ${op.path}`);
      continue;
    }
    out.push(`*** Update File: ${op.path}`);
    if (op.moveTo !== undefined) out.push(`*** Move to: ${op.moveTo}`);
    op.hunks.forEach((hunk, index) => {
      const firstBlank = hunk.body[0]?.[1].trim() === "";
      if (hunk.headers.length > 0) out.push(...hunk.headers.map((header) => `@@ ${header}`));
      else if (!(index === 0 && style.omitFirstAt && !firstBlank && hunk.body.length > 0)) out.push("@@");
      for (const [tag, text] of hunk.body) out.push(tag === " " && text === "" && style.bareBlankContext ? "" : `${tag}${text}`);
      if (hunk.endOfFile) out.push("*** End of File");
    });
  }
  out.push("*** End Patch");
  return out;
}

function fenceLanguage(path: string): string {
  const ext = /\.(\w+)$/.exec(path)?.[1] ?? "";
  return ({ ts: "ts", py: "python", go: "go", md: "markdown" } as Record<string, string>)[ext] ?? "";
}

function block(path: string, search: readonly string[], replace: readonly string[], style: RenderStyle): string[] {
  const open = style.fence ? [`\`\`\`${fenceLanguage(path)}`] : [];
  const close = style.fence ? ["```"] : [];
  return [path, ...open, "<<<<<<< SEARCH", ...search, "=======", ...replace, ">>>>>>> REPLACE", ...close, ""];
}

function renderSearchReplace(ops: readonly PatchOp[], style: RenderStyle): string[] {
  const out: string[] = [];
  for (const op of ops) {
    if (op.kind === "add") {
      out.push(...block(op.path, [], op.lines, style));
      continue;
    }
    if (op.kind === "delete" || op.moveTo !== undefined) throw new Error("SEARCH/REPLACE cannot delete or move files");
    for (const hunk of op.hunks) {
      const search = hunk.body.filter(([tag]) => tag !== "+").map(([, text]) => text);
      const replace = hunk.body.filter(([tag]) => tag !== "-").map(([, text]) => text);
      out.push(...block(op.path, search, replace, style));
    }
  }
  return out;
}

/** Cuts a patch off the way an interrupted stream does: the end marker (and maybe more) never arrived. */
export function truncatePatch(format: CaseFormat, patch: string, keepFraction: number): string {
  const lines = patch.split(/\r?\n/);
  while (lines.at(-1) === "") lines.pop();
  if (format === "codex") {
    const end = lines.lastIndexOf("*** End Patch");
    const min = 2;
    const cut = Math.max(min, Math.min(end, Math.round(end * keepFraction)));
    return lines.slice(0, cut).join("\n");
  }
  const replace = lines.lastIndexOf(">>>>>>> REPLACE");
  const search = lines.lastIndexOf("<<<<<<< SEARCH");
  const cut = search + 1 + Math.round((replace - search - 1) * keepFraction);
  return lines.slice(0, Math.min(cut, replace)).join("\n");
}
