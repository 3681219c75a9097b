import { z } from "zod";
import { portableJsonSchema } from "./portable-json-schema.js";

/** One remark of the reviewer, anchored to a file and (where it applies) a line of the new version. */
const reviewComment = z.strictObject({
  file: z.string(),
  line: z.number().int().min(0).nullable(),
  severity: z.enum(["blocker", "major", "minor", "nit"]),
  comment: z.string(),
});

const securityFinding = z.strictObject({
  file: z.string(),
  issue: z.string(),
});

/**
 * The reviewer's structured verdict. Every field is required (nullable where it may be absent) and no
 * other field is allowed, as OpenAI's strict structured outputs demand.
 */
export const reviewVerdictSchema = z.strictObject({
  verdict: z.enum(["approve", "revise", "reject"]),
  summary: z.string(),
  risk: z.enum(["low", "medium", "high"]),
  comments: z.array(reviewComment),
  security: z.array(securityFinding),
});

export type ReviewVerdict = z.infer<typeof reviewVerdictSchema>;
export type ReviewComment = z.infer<typeof reviewComment>;
export type VerdictKind = ReviewVerdict["verdict"];

export const verdictSchemaName = "review_verdict";

/**
 * Limits a local model's grammar needs: a model that rambles inside a string (or lists for ever) would
 * run out of tokens before the JSON closes. Remote structured outputs do not take these keywords.
 */
const grammarBounds = { stringMaxLength: 200, arrayMaxItems: 3 };

/** The verdict's JSON schema, for structured outputs (remote) or a grammar (`bounded`, local engine). */
export function verdictJsonSchema(options: { bounded: boolean }): Record<string, unknown> {
  return portableJsonSchema(z.toJSONSchema(reviewVerdictSchema) as Record<string, unknown>, options.bounded ? grammarBounds : undefined);
}
