import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { resolveToolPath } from "./resolve-tool-path.js";
import { toolError } from "./tool.js";
import { walkWorkspace } from "./workspace-walk.js";
import { errorMessage } from "../../core/index.js";

const maxMatches = 200;
const maxFileBytes = 2 * 1024 * 1024;
const maxFiles = 20_000;

export const searchTool = defineTool(
  "search",
  "Search the workspace's text files for a regular expression (JavaScript syntax), honouring .gitignore. Returns path:line: text.",
  z.object({
    pattern: z.string().min(1),
    path: z.string().optional().describe("directory to search, relative to the workspace root; default the root"),
    case_sensitive: z.boolean().optional(),
  }),
  async ({ pattern, path, case_sensitive }, context) => {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, case_sensitive === false ? "i" : "");
    } catch (error) {
      return toolError(`invalid regular expression: ${errorMessage(error)}`);
    }
    const resolved = await resolveToolPath(context.workspace, path);
    if (resolved.refusal) return resolved.refusal;
    const { display } = resolved;
    const matches: string[] = [];
    for await (const entry of walkWorkspace(context.workspace, { start: display, limit: maxFiles })) {
      if (entry.isDirectory || entry.isSymbolicLink) continue;
      const bytes = await readFile(join(context.workspace, entry.path)).catch(() => undefined);
      if (!bytes || bytes.length > maxFileBytes || bytes.includes(0)) continue;
      const lines = bytes.toString("utf8").split(/\r?\n/);
      for (const [index, line] of lines.entries()) {
        if (!regex.test(line)) continue;
        matches.push(`${entry.path}:${index + 1}: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}`);
        if (matches.length > maxMatches) break;
      }
      if (matches.length > maxMatches) break;
    }
    if (matches.length === 0) return { ok: true, output: "No matches." };
    const cut = matches.length > maxMatches ? `\n(more than ${maxMatches} matches; narrow the pattern or path.)` : "";
    return { ok: true, output: `${matches.slice(0, maxMatches).join("\n")}${cut}` };
  },
);
