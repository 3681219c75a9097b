import type { ConfigLayer } from "./layers.js";

/**
 * A project's `.spark/config.toml` comes with the repository, so it must not start programs: `[mcp]` servers
 * run outside the sandbox and may be marked trusted. Only the user's own config defines them; a project's
 * `[mcp]` is dropped and the returned warning says where to put it instead.
 */
export function withoutProjectMcp(layer: ConfigLayer, userFile: string): { layer: ConfigLayer; warning?: string } {
  if (layer.data.mcp === undefined) return { layer };
  const { mcp: _ignored, ...data } = layer.data;
  return {
    layer: { source: layer.source, data },
    warning:
      `ignored [mcp] in ${layer.source}: a project's config cannot start MCP servers, because they run outside the sandbox ` +
      `and a cloned repository could run any program. If you trust these servers, move the [mcp.servers.*] tables to your own config, ${userFile}.`,
  };
}
