import { z } from "zod";
import { defineTool } from "./define-tool.js";
import { resolveToolPath } from "./resolve-tool-path.js";
import { walkWorkspace } from "./workspace-walk.js";

const listLimit = 500;

export const listFilesTool = defineTool(
  "list_files",
  "List files and directories of the workspace (directories end with /), honouring .gitignore.",
  z.object({
    path: z.string().optional().describe("directory relative to the workspace root; default the root"),
    depth: z.number().int().min(1).max(20).optional().describe("how many levels to descend; default 3"),
  }),
  async ({ path, depth }, context) => {
    const resolved = await resolveToolPath(context.workspace, path);
    if (resolved.refusal) return resolved.refusal;
    const { display } = resolved;
    const lines: string[] = [];
    for await (const entry of walkWorkspace(context.workspace, { start: display, maxDepth: depth ?? 3, limit: listLimit + 1 })) {
      lines.push(`${entry.path}${entry.isDirectory ? "/" : ""}`);
    }
    if (lines.length === 0) return { ok: true, output: "(no files)" };
    const cut = lines.length > listLimit ? `\n(more than ${listLimit} entries; list a subdirectory or lower depth.)` : "";
    return { ok: true, output: `${lines.slice(0, listLimit).join("\n")}${cut}` };
  },
);
