import { isIP } from "node:net";

/**
 * `[sandbox] allow_hosts`: exact host names, `*.example.com` for any name under example.com (not
 * example.com itself), and IP addresses only where listed exactly, so that no pattern opens an
 * address range by accident.
 */
export function hostAllowed(host: string, allowList: readonly string[]): boolean {
  const name = normalise(host);
  if (name === "") return false;
  const patterns = allowList.map(normalise);
  if (isIP(name) !== 0) return patterns.includes(name);
  return patterns.some((pattern) =>
    pattern.startsWith("*.") ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : pattern === name,
  );
}

/** Lower case, no trailing dot, no IPv6 brackets: the forms a client may send for one host. */
function normalise(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, "");
  return lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower;
}
