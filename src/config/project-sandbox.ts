import type { ConfigLayer } from "./layers.js";

/**
 * A project's `.spark/config.toml` comes with the repository, so in `[sandbox]` it may only narrow:
 * `protected` is kept; whatever would widen the sandbox (`allow_hosts`, `home_read`, `unix_sockets`,
 * `limits`) is dropped, and the warning says to set it in the user's own config.
 */
export function withoutProjectSandboxWidening(layer: ConfigLayer, userFile: string): { layer: ConfigLayer; warning?: string } {
  const section = layer.data.sandbox;
  if (typeof section !== "object" || section === null || Array.isArray(section)) return { layer };
  const { protected: kept, ...dropped } = section as Record<string, unknown>;
  const names = Object.keys(dropped);
  if (names.length === 0) return { layer };
  return {
    layer: { source: layer.source, data: { ...layer.data, sandbox: kept === undefined ? {} : { protected: kept } } },
    warning:
      `ignored ${names.map((name) => `[sandbox] ${name}`).join(", ")} in ${layer.source}: a project's config may only add ` +
      `protected paths, never widen the sandbox. If you mean it for this task, set it in your own config, ${userFile}.`,
  };
}
