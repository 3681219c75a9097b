import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/**
 * The AGENTS.md files that apply to work in `cwd`: from the workspace root down to `cwd`, so the more
 * specific instructions come last and win where they disagree.
 */
export async function collectAgentsInstructions(workspace: string, cwd: string): Promise<string | undefined> {
  const rel = relative(workspace, cwd);
  const parts = rel === "" || rel.startsWith("..") ? [] : rel.split(sep);
  const sections: string[] = [];
  for (let depth = 0; depth <= parts.length; depth++) {
    const dir = parts.slice(0, depth);
    const text = await readFile(join(workspace, ...dir, "AGENTS.md"), "utf8").catch(() => undefined);
    if (text?.trim()) sections.push(`From ${[...dir, "AGENTS.md"].join("/")}:\n${text.trim()}`);
  }
  return sections.length > 0 ? sections.join("\n\n") : undefined;
}
