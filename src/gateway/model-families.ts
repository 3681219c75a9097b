import type { BucketLimits } from "../store/index.js";
import type { KeyLimits } from "../store/index.js";

/** The family of every model no pattern matches. */
export const STANDARD_FAMILY = "standard";

/** Used when the config has no `[families]`: the fast models share the "spark" bucket. */
export const defaultFamilies: Readonly<Record<string, readonly string[]>> = {
  spark: ["spark", "*-spark", "*codex-spark*"],
};

/** Snake-case limits as they sit in config (`[gateway.limits.spark]`). */
export interface ConfigLimits {
  requests_per_minute?: number | undefined;
  tokens_per_minute?: number | undefined;
  tokens_per_5_hours?: number | undefined;
  tokens_per_week?: number | undefined;
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`, "i");
}

/** Matches model names (the requested name, each alias on the way, the upstream model) to a family. */
export class FamilyMatcher {
  private readonly families: { name: string; patterns: RegExp[] }[];

  constructor(families: Readonly<Record<string, readonly string[]>> = defaultFamilies) {
    this.families = Object.entries(families).map(([name, patterns]) => ({ name, patterns: patterns.map(patternToRegExp) }));
  }

  get names(): string[] {
    return [...new Set([...this.families.map((family) => family.name), STANDARD_FAMILY])];
  }

  /** The first family (in config order) with a pattern matching any of the names; else "standard". */
  familyOf(names: readonly string[]): string {
    for (const family of this.families) {
      if (names.some((name) => family.patterns.some((pattern) => pattern.test(name)))) return family.name;
    }
    return STANDARD_FAMILY;
  }
}

export function fromConfigLimits(limits: ConfigLimits | undefined): BucketLimits {
  return {
    ...(limits?.requests_per_minute !== undefined ? { requestsPerMinute: limits.requests_per_minute } : {}),
    ...(limits?.tokens_per_minute !== undefined ? { tokensPerMinute: limits.tokens_per_minute } : {}),
    ...(limits?.tokens_per_5_hours !== undefined ? { tokensPer5Hours: limits.tokens_per_5_hours } : {}),
    ...(limits?.tokens_per_week !== undefined ? { tokensPerWeek: limits.tokens_per_week } : {}),
  };
}

/**
 * The limits of one bucket, field by field: the key's own entry for the family, then the key's "*" entry,
 * then the config's default for the family, then the config's "*" default. Missing everywhere: unlimited.
 */
export function effectiveLimits(family: string, keyLimits: KeyLimits, configLimits: Record<string, ConfigLimits> = {}): BucketLimits {
  return {
    ...fromConfigLimits(configLimits["*"]),
    ...fromConfigLimits(configLimits[family]),
    ...keyLimits["*"],
    ...keyLimits[family],
  };
}
