import { errorMessage } from "../../core/index.js";
import { reviewVerdictSchema, type ReviewVerdict } from "./verdict-schema.js";

export type ParsedVerdict = { ok: true; verdict: ReviewVerdict } | { ok: false; problem: string };

/** The JSON object in a model's answer: the whole text, or the first `{` to the last `}` (fences, prose around it). */
function jsonText(answer: string): string {
  const start = answer.indexOf("{");
  const end = answer.lastIndexOf("}");
  return start >= 0 && end > start ? answer.slice(start, end + 1) : answer;
}

/** Parses and validates a reviewer's answer; the problem says what was wrong, for the retry and the report. */
export function parseVerdict(answer: string): ParsedVerdict {
  let value: unknown;
  try {
    value = JSON.parse(jsonText(answer));
  } catch (error) {
    return { ok: false, problem: `is not JSON (${errorMessage(error)})` };
  }
  const result = reviewVerdictSchema.safeParse(value);
  if (result.success) return { ok: true, verdict: result.data };
  const issue = result.error.issues[0];
  return { ok: false, problem: `does not match the verdict schema: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unknown issue"}` };
}
