import type { ConfigLayer } from "./layers.js";

/**
 * A project's `.spark/config.toml` comes with the repository (a sandboxed command can even write one in a
 * fresh clone), so its `[sandbox]` may only narrow: `protected` adds paths. What widens the sandbox (home
 * files, sockets, hosts, limits) is dropped, and the warning says to put it in the user's own config.
 */
export function withoutProjectSandboxWidening(layer: ConfigLayer, userFile: string): { layer: ConfigLayer; warning?: string } {
  const section = layer.data.sandbox;
  if (typeof section !== "object" || section === null || Array.isArray(section)) return { layer };
  const { protected: narrowing, ...widening } = section as Record<string, unknown>;
  const dropped = Object.keys(widening);
  if (dropped.length === 0) return { layer };
  return {
    layer: { source: layer.source, data: { ...layer.data, sandbox: narrowing === undefined ? {} : { protected: narrowing } } },
    warning:
      `ignored [sandbox] ${dropped.join(", ")} in ${layer.source}: a project's config may only add protected paths, ` +
      `because a repository must not widen the sandbox its own commands run in. If you want this, put it in your own config, ${userFile}.`,
  };
}
