import { ConfigError } from "../core/index.js";

/**
 * Bounds on a config file, checked before anything walks it recursively or spreads it into a call: a
 * cloned repository's `.spark/config.toml` is hostile input, and 150,000 aliases or a table nested
 * 10,000 deep must give an error that names the file, not a stack overflow. The real schema is at
 * most 5 tables deep and a hand-written table holds dozens of keys, so the limits leave wide room.
 */
export const configLimits = {
  bytes: 1024 * 1024,
  depth: 16,
  keysPerTable: 2000,
  itemsPerArray: 2000,
} as const;

/** Keys that would reach Object.prototype through a plain object, or shadow what every object has. */
const prototypeKeys = new Set(["__proto__", "constructor", "prototype"]);

const fix = "Shorten or remove it, then run `spark config` to check.";

/** Throws a ConfigError naming `file` and the key when `data` (a parsed TOML document) passes a limit. */
export function checkConfigShape(data: unknown, file: string): void {
  // An explicit stack, not recursion: the walk itself must survive any depth the parser lets through.
  const pending: { value: unknown; path: string[] }[] = [{ value: data, path: [] }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value !== "object" || value === null || value instanceof Date) continue;
    const where = path.length > 0 ? `key \`${path.join(".")}\`` : "the top level";
    if (path.length > configLimits.depth) {
      throw new ConfigError(`${file}: ${where} is nested more than ${configLimits.depth} tables deep. ${fix}`);
    }
    if (Array.isArray(value)) {
      if (value.length > configLimits.itemsPerArray) {
        throw new ConfigError(`${file}: ${where} has ${value.length} items; at most ${configLimits.itemsPerArray} are allowed. ${fix}`);
      }
      value.forEach((item, index) => pending.push({ value: item, path: [...path, String(index)] }));
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length > configLimits.keysPerTable) {
      throw new ConfigError(`${file}: ${where} has ${keys.length} keys; at most ${configLimits.keysPerTable} are allowed in one table. ${fix}`);
    }
    for (const key of keys) {
      if (prototypeKeys.has(key)) {
        throw new ConfigError(
          `${file}: key \`${[...path, key].join(".")}\` is not allowed: "${key}" is reserved (it would change how every object behaves). Rename or remove it.`,
        );
      }
      pending.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
}
