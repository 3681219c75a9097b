import type { z } from "zod";

/** Turns a zod issue into "key `a.b`: expected ..., got ..." for a human. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    const scope = issue.path.length > 0 ? ` in \`${key}\`` : "";
    return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `\`${k}\``).join(", ")}${scope}`;
  }
  return `key \`${key}\`: ${issue.message}`;
}
