import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

/** `[context]`: how the agent keeps long sessions inside the model's context window. */
export const contextSection = lazySchema(() =>
  z
    .object({
      /** Share of the prompt budget (0.1 to 1) past which older turns are compacted. Default 0.8. */
      compact_at: z.number().min(0.1).max(1).optional(),
      /** Tokens kept free for the answer. Default: max_tokens, else a quarter of the window up to 4,096. */
      reserve_tokens: z.number().int().positive().optional(),
      /** A tool output longer than this many bytes keeps its head and tail only. Default 16384. */
      tool_output_max_bytes: z.number().int().min(256).optional(),
      /** The same, in lines. Default 400. */
      tool_output_max_lines: z.number().int().min(4).optional(),
      /** The model that summarises older turns. Default: the `review` alias where configured, else the model itself. */
      compact_model: z.string().min(1).optional(),
    })
    .strict(),
);

export type ContextSection = z.infer<ReturnType<typeof contextSection>>;
