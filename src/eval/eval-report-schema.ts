import { z } from "zod";

/**
 * eval.json as a reader takes it back (the page of `spark serve` reads it from the database): the rows
 * and comparisons it shows, checked, so a report from an older Spark or a damaged row is refused plainly
 * instead of drawn wrong. Other fields pass through unread.
 */
const interval = z.tuple([z.number(), z.number()]);

const configurationRow = z.looseObject({
  configuration: z.string(),
  machine: z.string(),
  startedAt: z.string(),
  tasks: z.number(),
  passed: z.number(),
  skipped: z.number(),
  passRate: z.number(),
  passRateInterval: interval,
  wallMs: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  tokensPerSecond: z.number().nullable(),
  ttftMs: z.number().nullable(),
  cost: z.number().nullable(),
  reviewRounds: z.number(),
  escalations: z.number(),
});

const comparison = z.looseObject({
  baseline: z.string(),
  configuration: z.string(),
  tasks: z.number(),
  onlyBaseline: z.number(),
  onlyConfiguration: z.number(),
  difference: z.number(),
  interval,
});

export const evalReportSchema = z.looseObject({
  suite: z.string(),
  layout: z.string(),
  configurations: z.array(configurationRow),
  comparisons: z.array(comparison),
});

export type EvalReportData = z.infer<typeof evalReportSchema>;

/** The report in `text`, or undefined when it is not eval.json of this Spark. */
export function parseEvalReport(text: string): EvalReportData | undefined {
  try {
    const parsed = evalReportSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
