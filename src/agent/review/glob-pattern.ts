import picomatch from "picomatch";

/**
 * Glob matching for workspace-relative paths ("/"-separated), case-insensitive, as escalation rules
 * want: a pattern without "/" matches a name at any depth (as in .gitignore: "*.pem", "secrets"), and a
 * pattern naming a directory also covers everything under it ("migrations" covers db/migrations/001.sql).
 */
export function matchesGlob(path: string, pattern: string): boolean {
  const isMatch = picomatch(pattern.replace(/^\//, ""), { nocase: true, dot: true, basename: !pattern.includes("/") });
  return selfAndAncestors(path).some((candidate) => isMatch(candidate));
}

export function matchesAnyGlob(path: string, patterns: readonly string[]): string | undefined {
  return patterns.find((pattern) => matchesGlob(path, pattern));
}

/** "a/b/c.ts" → ["a/b/c.ts", "a/b", "a"]. */
function selfAndAncestors(path: string): string[] {
  const parts = path.split("/");
  return parts.map((_, index) => parts.slice(0, parts.length - index).join("/"));
}
