import type { Command } from "commander";
import { collectAgentsInstructions, defaultTools, findWorkspaceRoot, runAgent, systemPrompt, type AgentEvent, type ToolResult } from "../agent/index.js";
import { UsageError, type Message } from "../core/index.js";
import { applyWithCheckpoint, formatApplyReport } from "../edits/index.js";
import { createSandbox, parseApprovalMode, type ApprovalMode, type Sandbox } from "../sandbox/index.js";
import type { SparkStores } from "../store/index.js";
import { exitCodes } from "./exit-codes.js";
import type { GlobalOptions } from "./global-options.js";
import { abortOnInterrupt } from "./interrupt.js";
import { openModel } from "./open-model.js";
import type { RegisterCommand } from "./register-command.js";
import { formatAgentSummary, renderAgentEvent } from "./render-agent-event.js";
import { withStores } from "./with-stores.js";

interface ExecOptions extends GlobalOptions {
  approval?: string;
  json?: boolean;
  maxTurns?: string;
  network?: boolean;
  cwd?: string;
}

/** Every patch the agent applies is a checkpoint of its session, so `spark undo` can restore it. */
async function applyInWorkspace(patch: string, workspace: string, stores: SparkStores, sessionId: string): Promise<ToolResult> {
  const report = await applyWithCheckpoint(patch, { workspace, store: stores.checkpoints, sessionId });
  const changes = report.operations
    .filter((operation) => operation.status !== "failed")
    .map((operation) => ({ path: operation.moveTo ?? operation.path, added: operation.added, removed: operation.removed }));
  return { ok: report.status === "applied", output: formatApplyReport(report), changes };
}

/** full-auto needs the sandbox; refuse up front, saying why, rather than fail at the first command. */
async function sandboxFor(mode: ApprovalMode): Promise<Sandbox | undefined> {
  return mode === "full-auto" ? createSandbox() : undefined;
}

const statusCodes = { completed: exitCodes.ok, failed: exitCodes.failed, "max-turns": exitCodes.failed, interrupted: exitCodes.interrupted } as const;

/** `spark exec "task"`: the agent, non-interactive; anything that would need a question is refused. */
export async function execTask(words: string[], options: ExecOptions): Promise<number> {
  const task = words.join(" ").trim();
  if (!task) throw new UsageError('Give a task: spark exec "fix the failing test in src/date.ts".');
  const maxTurns = options.maxTurns === undefined ? undefined : Number(options.maxTurns);
  if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0)) throw new UsageError(`--max-turns expects a positive whole number, got "${options.maxTurns}".`);
  const approvalMode = parseApprovalMode(options.approval ?? "auto-edit");
  const cwd = options.cwd ?? process.cwd();
  const workspace = await findWorkspaceRoot(cwd);
  const sandbox = await sandboxFor(approvalMode);
  const controller = new AbortController();
  const removeHandler = abortOnInterrupt(controller);
  const model = await openModel(options, controller.signal);
  const started = performance.now();
  try {
    const system = systemPrompt({ workspace, agentsInstructions: await collectAgentsInstructions(workspace, cwd), canRunCommands: approvalMode === "full-auto" });
    const messages: Message[] = [
      { role: "system", content: system },
      { role: "user", content: task },
    ];
    const { settings } = model.resolved;
    return await withStores(async (stores) => {
      const sessionId = stores.sessions.create({ workspace, model: model.client.displayName, title: task.slice(0, 120) });
      for (const message of messages) stores.sessions.append(sessionId, message);
      let final: Extract<AgentEvent, { type: "done" }> | undefined;
      const events = runAgent({
        client: model.client,
        messages,
        tools: defaultTools,
        toolContext: {
          workspace,
          approvalMode,
          allowNetwork: options.network ?? false,
          applyPatch: (patch) => applyInWorkspace(patch, workspace, stores, sessionId),
          ...(sandbox ? { sandbox } : {}),
        },
        signal: controller.signal,
        ...(maxTurns !== undefined ? { maxTurns } : {}),
        ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
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
    removeHandler();
    await model.dispose();
  }
}

export const registerExecCommand: RegisterCommand = (program, setExitCode) => {
  program
    .command("exec")
    .description("run the coding agent on a task, non-interactively")
    .argument("<task...>", "what to do")
    .option("-a, --approval <mode>", "suggest | auto-edit | full-auto (commands run in the bubblewrap sandbox)", "auto-edit")
    .option("--json", "print one JSON agent event per line")
    .option("--max-turns <n>", "most model calls for the task", "50")
    .option("--network", "allow network access to sandboxed commands")
    .option("-C, --cwd <dir>", "work in this directory instead of the current one")
    .action(async (task: string[], options: ExecOptions, command: Command) =>
      setExitCode(await execTask(task, { ...command.optsWithGlobals<GlobalOptions>(), ...options })),
    );
};
