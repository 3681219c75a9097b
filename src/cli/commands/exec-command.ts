import { defaultTools, runAgent, type AgentEvent } from "../../agent/index.js";
import { UsageError, type Message } from "../../core/index.js";
import { agentCallSettings, agentContextPolicy, agentSystemPrompt, agentToolContext, prepareAgentWiring, startAgentMcp, startSavedSession, type ReviewFlags } from "../../runtime/index.js";
import { execReviewed, wantsPipeline } from "./exec-review.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { withRuntime } from "../common/with-runtime.js";
import { formatAgentSummary, renderAgentEvent } from "../common/render-agent-event.js";
import { withStores } from "../common/with-stores.js";

export interface ExecOptions extends GlobalOptions, ReviewFlags {
  review?: boolean;
  approval?: string;
  json?: boolean;
  maxTurns?: string;
  network?: boolean;
  cwd?: string;
}

const statusCodes = { completed: exitCodes.ok, failed: exitCodes.failed, "max-turns": exitCodes.failed, interrupted: exitCodes.interrupted } as const;

/** `spark exec "task"`: the agent, non-interactive; anything that would need a question is refused. */
export async function execTask(words: string[], options: ExecOptions): Promise<number> {
  const task = words.join(" ").trim();
  if (!task) throw new UsageError('Give a task: spark exec "fix the failing test in src/date.ts".');
  const maxTurns = options.maxTurns === undefined ? undefined : Number(options.maxTurns);
  if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0)) throw new UsageError(`--max-turns expects a positive whole number, got "${options.maxTurns}".`);
  const wiring = await prepareAgentWiring(options);
  return withRuntime(options, { reviewModel: options.reviewModel, printWarnings: false }, async (runtime, signal) => {
    const model = await runtime.openFast();
    const started = performance.now();
    const mcp = await startAgentMcp(runtime.loaded, wiring.workspace, (message) => process.stderr.write(`spark: ${message}\n`));
    try {
      const messages: Message[] = [
        { role: "system", content: await agentSystemPrompt(wiring) },
        { role: "user", content: task },
      ];
      return await withStores(async (stores) => {
        const sessionId = startSavedSession(stores, { workspace: wiring.workspace, model: model.client.displayName, title: task }, messages);
        const review = options.review ?? false;
        const tools = [...defaultTools, ...mcp.tools];
        if (wantsPipeline(runtime, review, options)) {
          return execReviewed({ task, messages, runtime, model, tools, wiring, stores, sessionId, review, flags: options, maxTurns, json: options.json ?? false, signal });
        }
        let final: Extract<AgentEvent, { type: "done" }> | undefined;
        const events = runAgent({
          client: model.client,
          messages,
          tools,
          toolContext: agentToolContext(wiring, stores, sessionId),
          signal,
          ...(maxTurns !== undefined ? { maxTurns } : {}),
          ...agentCallSettings(model.resolved.settings),
          context: await agentContextPolicy(runtime, model),
          cacheKey: sessionId,
        });
        for await (const event of events) {
          if (event.type === "message") stores.sessions.append(sessionId, event.message, { interrupted: event.interrupted });
          if (options.json) process.stdout.write(`${JSON.stringify(event)}\n`);
          else renderAgentEvent(event, process);
          if (event.type === "done") final = event;
        }
        if (!final) return exitCodes.failed;
        if (!options.json) process.stderr.write(formatAgentSummary(final, performance.now() - started, sessionId));
        return statusCodes[final.status];
      });
    } finally {
      await mcp.close();
    }
  });
}
