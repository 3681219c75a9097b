import { z } from "zod";

/** Settings that shape a model call; they may sit at the top level, in a profile or per model. */
const callSettings = {
  temperature: z.number().min(0).max(2).optional(),
  max_tokens: z.number().int().positive().optional(),
  context_size: z.number().int().min(256).optional(),
};

const modelEntry = z
  .object({
    ...callSettings,
    /** What this name resolves to: another name, `local:PATH`, `hf:...`, `PROVIDER/MODEL`, an OpenAI model. */
    model: z.string().min(1).optional(),
    base_url: z.url().optional(),
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
    api: z.enum(["chat", "responses"]).optional(),
  })
  .strict();

const providerEntry = z
  .object({
    base_url: z.url(),
    api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name").optional(),
    api: z.enum(["chat", "responses"]).optional(),
  })
  .strict();

const profileEntry = z
  .object({
    ...callSettings,
    model: z.string().min(1).optional(),
    base_url: z.url().optional(),
    api_key_env: z.string().optional(),
    threads: z.number().int().positive().optional(),
  })
  .strict();

/** The shape of `~/.spark/config.toml` and `.spark/config.toml`. */
export const configFileSchema = z
  .object({
    ...callSettings,
    /** The model used when `-m` is not given. */
    model: z.string().min(1).optional(),
    base_url: z.url().optional(),
    api_key_env: z.string().optional(),
    aliases: z.record(z.string(), z.string().min(1)).optional(),
    models: z.record(z.string(), modelEntry).optional(),
    providers: z.record(z.string(), providerEntry).optional(),
    profiles: z.record(z.string(), profileEntry).optional(),
    local: z
      .object({
        threads: z.number().int().positive().optional(),
        cache_dir: z.string().optional(),
        gpu: z.boolean().optional(),
      })
      .strict()
      .optional(),
    network: z
      .object({
        max_retries: z.number().int().min(0).max(10).optional(),
        timeout_ms: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ModelEntry = z.infer<typeof modelEntry>;
export type ProviderEntry = z.infer<typeof providerEntry>;
export type ProfileEntry = z.infer<typeof profileEntry>;
