import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

/**
 * Spark as an MCP server (`spark mcp`): other agents get Spark's patch engine (fuzzy but safe matching,
 * atomic writes, a checkpoint for `spark undo`) and its fast model. The work itself is injected, so
 * this file knows the protocol and nothing of how a patch is applied or a model opened.
 */

export interface PatchOutcome {
  applied: boolean;
  /** The apply report, as `spark apply` prints it. */
  report: string;
}

export interface CompletionRequest {
  prompt: string;
  system?: string | undefined;
  maxTokens?: number | undefined;
  temperature?: number | undefined;
  prediction?: string | undefined;
}

export interface CompletionOutcome {
  text: string;
  /** Model and speed, one line (TTFT, tokens/s). */
  summary: string;
}

export interface SparkMcpDeps {
  version: string;
  applyPatch(patch: string): Promise<PatchOutcome>;
  /** A lazy edit of one file (edit_file), merged deterministically or by the fast model. */
  applyLazyEdit(path: string, snippet: string, signal: AbortSignal): Promise<PatchOutcome>;
  complete(request: CompletionRequest, signal: AbortSignal): Promise<CompletionOutcome>;
}

const text = (value: string) => ({ type: "text" as const, text: value });

export function createSparkMcpServer(deps: SparkMcpDeps): McpServer {
  const server = new McpServer({ name: "spark", version: deps.version });
  server.registerTool(
    "apply_patch",
    {
      title: "Apply a patch",
      description:
        "Apply a patch to files of the workspace: the Codex apply_patch envelope (*** Begin Patch … *** End Patch) or SEARCH/REPLACE blocks. " +
        "Matching tolerates whitespace and punctuation drift but refuses ambiguous places; each file is written atomically; `spark undo` restores it.",
      inputSchema: { patch: z.string().min(1).describe("the patch text") },
    },
    async ({ patch }) => {
      const outcome = await deps.applyPatch(patch);
      return { content: [text(outcome.report)], isError: !outcome.applied };
    },
  );
  server.registerTool(
    "edit_file",
    {
      title: "Edit a file with a lazy snippet",
      description:
        "Edit one file by giving only the changed code, with `// ... existing code ...` (or `# ...`, `<!-- ... -->`) for unchanged stretches. " +
        "Spark merges it (deterministically when every part anchors in one place, else with its fast model, the old file as prediction) and writes it only if nothing outside the snippet's regions changed; `spark undo` restores it.",
      inputSchema: { path: z.string().min(1).describe("the file, relative to the workspace"), snippet: z.string().min(1).describe("the new code with elision comments") },
    },
    async ({ path, snippet }, extra) => {
      const outcome = await deps.applyLazyEdit(path, snippet, extra.signal);
      return { content: [text(outcome.report)], isError: !outcome.applied };
    },
  );
  server.registerTool(
    "complete",
    {
      title: "Fast completion",
      description: "Ask Spark's fast model (the one Spark was started with) and get its whole answer, with its speed.",
      inputSchema: {
        prompt: z.string().min(1),
        system: z.string().optional(),
        max_tokens: z.number().int().positive().optional(),
        temperature: z.number().min(0).max(2).optional(),
        prediction: z.string().optional().describe("text the answer should largely repeat (speeds up rewrites)"),
      },
    },
    async ({ prompt, system, max_tokens, temperature, prediction }, extra) => {
      const outcome = await deps.complete({ prompt, system, maxTokens: max_tokens, temperature, prediction }, extra.signal);
      return { content: [text(outcome.text), text(outcome.summary)] };
    },
  );
  return server;
}
