import { z } from "zod";
import type { Tool, ToolContext, ToolResult } from "./tool.js";
import { toolError } from "./tool.js";

/**
 * One zod schema gives both the JSON Schema the model sees and the validation of what it sends back,
 * so the two can never disagree.
 */
export function defineTool<Schema extends z.ZodObject>(
  name: string,
  description: string,
  schema: Schema,
  run: (args: z.infer<Schema>, context: ToolContext) => Promise<ToolResult>,
): Tool {
  const { $schema: _schema, ...parameters } = z.toJSONSchema(schema) as Record<string, unknown>;
  return {
    definition: { name, description, parameters },
    async execute(args, context) {
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`).join("; ");
        return toolError(`invalid arguments for ${name}: ${problems}. Call it again with arguments matching its schema.`);
      }
      return run(parsed.data, context);
    },
  };
}
