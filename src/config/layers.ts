/** A config source and the values it sets, merged in order: later layers win, key by key. */
export interface ConfigLayer {
  /** Where the values came from, as `spark config` shows it: a file path, "env SPARK_MODEL", "flag --model". */
  source: string;
  data: Record<string, unknown>;
}

export type Tree = Record<string, unknown>;

export function isTree(value: unknown): value is Tree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeInto(target: Tree, layer: Tree, source: string, prefix: string, sources: Map<string, string>): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    // Own keys only, into objects without a prototype: a key named __proto__ can never reach Object.prototype.
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isTree(value)) {
      const child: Tree = isTree(existing) ? existing : Object.create(null);
      target[key] = child;
      mergeInto(child, value, source, path, sources);
    } else {
      target[key] = value;
      sources.set(path, source);
    }
  }
}

/** Deep-merges the layers and records, for every leaf key, which layer set it last. */
export function mergeLayers(layers: ConfigLayer[]): { merged: Tree; sources: Map<string, string> } {
  const merged: Tree = Object.create(null);
  const sources = new Map<string, string>();
  for (const layer of layers) mergeInto(merged, layer.data, layer.source, "", sources);
  return { merged, sources };
}
