import { join } from "node:path";
import { loadConfig } from "./load-config.js";

/**
 * What every command that writes files in a workspace gives the patch engine (`spark apply`, `spark undo`,
 * the agent, `spark mcp`): the folder of per-workspace writer locks in Spark's home, and the user's
 * `[sandbox] protected` globs from the configuration that applies in that workspace.
 */
export interface WorkspaceWriteSettings {
  locksDir: string;
  protectedGlobs: readonly string[];
}

export async function workspaceWriteSettings(workspace: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkspaceWriteSettings> {
  const loaded = await loadConfig({ cwd: workspace, env });
  return { locksDir: join(loaded.homeDir, "locks"), protectedGlobs: loaded.config.sandbox?.protected ?? [] };
}
