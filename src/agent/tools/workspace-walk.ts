import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import ignore, { type Ignore } from "ignore";

/** Directories never worth showing a model, whatever .gitignore says. */
const alwaysSkipped = new Set([".git", ".hg", ".svn"]);

interface IgnoreScope {
  /** Directory of the .gitignore, relative to the workspace root ("" for the root). */
  base: string;
  rules: Ignore;
}

async function scopeFor(root: string, dir: string): Promise<IgnoreScope | undefined> {
  const text = await readFile(join(root, dir, ".gitignore"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : { base: dir, rules: ignore().add(text) };
}

function isIgnored(scopes: IgnoreScope[], path: string, isDirectory: boolean): boolean {
  return scopes.some((scope) => {
    const relative = scope.base === "" ? path : path.slice(scope.base.length + 1);
    return scope.rules.ignores(isDirectory ? `${relative}/` : relative);
  });
}

export interface WalkOptions {
  /** Directory to start from, relative to the root ("" for the root). */
  start?: string;
  maxDepth?: number;
  /** Stop after this many entries, so huge trees cannot flood a model's context. */
  limit?: number;
}

export interface WalkEntry {
  /** Relative to the workspace root, "/"-separated. */
  path: string;
  isDirectory: boolean;
  /** A link may lead outside the workspace: tools that read files skip it. */
  isSymbolicLink: boolean;
  depth: number;
}

/**
 * Walks the workspace depth-first in name order, honouring every .gitignore from the root down (as git
 * does), and yields files and directories with paths relative to the root.
 */
export async function* walkWorkspace(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const start = options.start ?? "";
  const scopes: IgnoreScope[] = [];
  // Rules of the start directory's ancestors apply too.
  const parts = start === "" ? [] : start.split("/");
  for (let index = 0; index <= parts.length; index++) {
    const scope = await scopeFor(root, parts.slice(0, index).join("/"));
    if (scope) scopes.push(scope);
  }
  let remaining = options.limit ?? Infinity;
  async function* visit(dir: string, depth: number, inherited: IgnoreScope[]): AsyncGenerator<WalkEntry> {
    const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (remaining <= 0) return;
      if (alwaysSkipped.has(entry.name)) continue;
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      const isDirectory = entry.isDirectory();
      if (isIgnored(inherited, path, isDirectory)) continue;
      remaining--;
      yield { path, isDirectory, isSymbolicLink: entry.isSymbolicLink(), depth };
      if (isDirectory && depth + 1 < (options.maxDepth ?? Infinity)) {
        const own = await scopeFor(root, path);
        yield* visit(path, depth + 1, own ? [...inherited, own] : inherited);
      }
    }
  }
  yield* visit(start, 0, scopes);
}
