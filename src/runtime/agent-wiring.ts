import { stat } from "node:fs/promises";
import { collectAgentsInstructions, findWorkspaceRoot, patchToolResult, systemPrompt, type AgentOptions, type ApprovalRequest, type LazyEditRequest, type ToolContext, type ToolResult } from "../agent/index.js";
import { UsageError, type Message } from "../core/index.js";
import { applyLazyEdit, applyWithCheckpoint, formatLazyEditReport } from "../edits/index.js";
import { loadConfig, workspaceWriteSettings, type SandboxSection } from "../config/index.js";
import type { CallSettings } from "../models/index.js";
import { createSandbox, parseApprovalMode, type ApprovalMode, type Sandbox } from "../sandbox/index.js";
import type { SparkStores } from "../store/index.js";

/**
 * What every command that runs the coding agent shares (`spark exec`, the interactive session): the
 * workspace, the approval mode and its sandbox, the system prompt, patches recorded as checkpoints of
 * the saved session, and the session itself in the store.
 */

export interface AgentWiringOptions {
  /** suggest | auto-edit | full-auto; auto-edit when absent. */
  approval?: string | undefined;
  /** The directory the user works in; the current directory when absent. */
  cwd?: string | undefined;
  /** Sandboxed commands may reach the network. */
  network?: boolean | undefined;
}

export interface AgentWiring {
  cwd: string;
  /** The enclosing git repository's root, else cwd; symlinks resolved. */
  workspace: string;
  approvalMode: ApprovalMode;
  /** Present in full-auto mode, where commands run in bubblewrap without asking. */
  sandbox: Sandbox | undefined;
  /** `[sandbox]` of the config (a project's may only add protected paths), for a sandbox made later. */
  sandboxSettings: SandboxSection;
  allowNetwork: boolean;
}

/** full-auto needs the sandbox; refuse up front, saying why, rather than fail at the first command. */
export async function sandboxFor(mode: ApprovalMode, settings: SandboxSection): Promise<Sandbox | undefined> {
  return mode === "full-auto" ? createSandbox({ settings }) : undefined;
}

export async function prepareAgentWiring(options: AgentWiringOptions): Promise<AgentWiring> {
  const approvalMode = parseApprovalMode(options.approval ?? "auto-edit");
  const cwd = options.cwd ?? process.cwd();
  if (options.cwd !== undefined && !(await stat(cwd).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`-C ${cwd}: no such directory. Give a directory that exists, or leave out -C to work in the current one.`);
  }
  const workspace = await findWorkspaceRoot(cwd);
  const sandboxSettings = (await loadConfig({ cwd, env: process.env })).config.sandbox ?? {};
  const sandbox = await sandboxFor(approvalMode, sandboxSettings);
  return { cwd, workspace, approvalMode, sandbox, sandboxSettings, allowNetwork: options.network ?? false };
}

/** The agent's standing instructions for this workspace, AGENTS.md files included. */
export async function agentSystemPrompt(wiring: AgentWiring): Promise<string> {
  return systemPrompt({
    workspace: wiring.workspace,
    agentsInstructions: await collectAgentsInstructions(wiring.workspace, wiring.cwd),
    canRunCommands: wiring.approvalMode === "full-auto",
  });
}

/** Every patch the agent applies is a checkpoint of its session, so `spark undo` can restore it. */
export async function applyInWorkspace(patch: string, workspace: string, stores: SparkStores, sessionId: string): Promise<ToolResult> {
  return patchToolResult(await applyWithCheckpoint(patch, { workspace, store: stores.checkpoints, sessionId, ...(await workspaceWriteSettings(workspace)) }));
}

/** A lazy edit (edit_file) is a checkpoint of the session too; the agent's model merges what needs a model. */
export async function applyLazyInWorkspace(edit: LazyEditRequest, workspace: string, stores: SparkStores, sessionId: string): Promise<ToolResult> {
  const report = await applyLazyEdit(edit.path, edit.snippet, { workspace, store: stores.checkpoints, sessionId, mergeModel: edit.mergeModel, signal: edit.signal, ...(await workspaceWriteSettings(workspace)) });
  return { ...patchToolResult(report), output: formatLazyEditReport(report) };
}

/** The tools' view of the wiring; `ask` is given where a user can answer (the session), absent in exec. */
export function agentToolContext(
  wiring: AgentWiring,
  stores: SparkStores,
  sessionId: string,
  ask?: (request: ApprovalRequest) => Promise<boolean>,
): Omit<ToolContext, "signal"> {
  return {
    workspace: wiring.workspace,
    approvalMode: wiring.approvalMode,
    allowNetwork: wiring.allowNetwork,
    applyPatch: (patch) => applyInWorkspace(patch, wiring.workspace, stores, sessionId),
    applyLazyEdit: (edit) => applyLazyInWorkspace(edit, wiring.workspace, stores, sessionId),
    ...(wiring.sandbox ? { sandbox: wiring.sandbox } : {}),
    ...(ask ? { ask } : {}),
  };
}

/** The model's configured temperature and token limit, as runAgent takes them. */
export function agentCallSettings(settings: CallSettings): Pick<AgentOptions, "temperature" | "maxTokens"> {
  return {
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
  };
}

/** Starts a saved session holding `messages`; returns its id. */
export function startSavedSession(stores: SparkStores, session: { workspace: string; model: string; title: string }, messages: readonly Message[]): string {
  const sessionId = stores.sessions.create({ ...session, title: session.title.slice(0, 120) });
  for (const message of messages) stores.sessions.append(sessionId, message);
  return sessionId;
}
