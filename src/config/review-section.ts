import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

/** `[review]`: the drafter–reviewer pipeline (`spark exec --review`, `spark review`, `spark eval`). */
export const reviewSection = lazySchema(() =>
  z
    .object({
      /** Most drafting rounds, the first draft included (default 3). */
      max_rounds: z.number().int().min(1).max(10).optional(),
      /** Check commands run in the sandbox after each round; detected from the project when absent. */
      checks: z.array(z.string().min(1)).optional(),
      /** Time limit of each check, in milliseconds (default 120000). */
      check_timeout_ms: z.number().int().positive().optional(),
      escalate: z
        .object({
          /** False: only --review reviews. */
          enabled: z.boolean().optional(),
          /** Globs of security-sensitive paths; a change touching one is escalated. */
          paths: z.array(z.string().min(1)).optional(),
          /** A change spanning more files than this is escalated (default 8). */
          max_files: z.number().int().positive().optional(),
          /** A change whose checks fail is escalated (default true). */
          on_failed_checks: z.boolean().optional(),
          /** "review": the review model reviews; "handoff": it takes the task over. */
          mode: z.enum(["review", "handoff"]).optional(),
        })
        .strict()
        .optional(),
      /** Price per million tokens by model name, for the report's cost column. */
      prices: z.record(z.string(), z.object({ input: z.number().min(0), output: z.number().min(0) }).strict()).optional(),
    })
    .strict(),
);

export type ReviewSection = z.infer<ReturnType<typeof reviewSection>>;
