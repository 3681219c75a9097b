import type { ConfigFile } from "./config-schema.js";

/**
 * The alias the strong model goes by: the review pipeline, the session's `/model` toggle, compaction and
 * the editor's second model use it without being told. Defined here once, so every front end finds the
 * same model under it.
 */
export const REVIEW_ALIAS = "review";

/** The alias `/model` toggles back to from the review model. */
export const FAST_ALIAS = "spark";

/**
 * Whether the config defines `name` as an alias or a `[models.*]` entry. Own keys only, as the registry
 * resolves them: "constructor" is not configured just because every object has one.
 */
export function isConfiguredModel(config: Pick<ConfigFile, "aliases" | "models">, name: string): boolean {
  return Object.hasOwn(config.aliases ?? {}, name) || Object.hasOwn(config.models ?? {}, name);
}
