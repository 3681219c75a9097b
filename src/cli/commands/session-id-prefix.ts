import { UsageError } from "../../core/index.js";

/**
 * The one item whose session id starts with `prefix` (`spark resume` and `spark diff --session` both
 * print and take the first 8 characters). Undefined when none does, so each command can say what to do;
 * several are refused, naming them, because picking one would act on a session the user did not mean.
 */
export function matchSessionPrefix<T>(items: readonly T[], prefix: string, idOf: (item: T) => string): T | undefined {
  const matches = items.filter((item) => idOf(item).startsWith(prefix));
  if (matches.length > 1) {
    const ids = matches.map((item) => idOf(item).slice(0, 12)).join(", ");
    throw new UsageError(`"${prefix}" matches ${matches.length} sessions (${ids}); give more of the id.`);
  }
  return matches[0];
}
