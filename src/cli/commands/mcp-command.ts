import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { findWorkspaceRoot } from "../../agent/index.js";
import { sparkHome, workspaceWriteSettings } from "../../config/index.js";
import { SparkError, sparkVersion, type Message, type Metrics, type Usage } from "../../core/index.js";
import { applyLazyEdit, applyWithCheckpoint, formatApplyReport, formatLazyEditReport, type MergeModel } from "../../edits/index.js";
import { createSparkMcpServer, type CompletionOutcome, type CompletionRequest, type PatchOutcome } from "../../mcp/index.js";
import type { SparkStores } from "../../store/index.js";
import type { ModelRuntime, OpenedModel } from "../../runtime/index.js";
import { exitCodes } from "../common/exit-codes.js";
import { formatCallSummary } from "../common/format-call-summary.js";
import type { GlobalOptions } from "../common/global-options.js";

export interface McpOptions extends GlobalOptions {
  cwd?: string;
}

/** Applies in the workspace with a checkpoint, as `spark apply` does, so `spark undo` restores it. */
async function applyPatchIn(workspace: string, stores: SparkStores, patch: string): Promise<PatchOutcome> {
  const report = await applyWithCheckpoint(patch, { workspace, store: stores.checkpoints, description: "spark mcp apply_patch", ...(await workspaceWriteSettings(workspace)) });
  return { applied: report.status === "applied", report: formatApplyReport(report) };
}

/** A lazy edit, checkpointed like apply_patch; the fast model is opened only if the merge needs it. */
async function applyLazyIn(workspace: string, stores: SparkStores, edit: { path: string; snippet: string }, mergeModel: () => Promise<MergeModel>, signal: AbortSignal): Promise<PatchOutcome> {
  const report = await applyLazyEdit(edit.path, edit.snippet, { workspace, store: stores.checkpoints, description: "spark mcp edit_file", mergeModel, signal, ...(await workspaceWriteSettings(workspace)) });
  return { applied: report.status === "applied", report: formatLazyEditReport(report) };
}

/** One whole answer of the fast model; a failed call throws, so the MCP client sees a tool error. */
async function completeWith(model: OpenedModel, request: CompletionRequest, signal: AbortSignal): Promise<CompletionOutcome> {
  const { settings } = model.resolved;
  const messages: Message[] = [...(request.system ? [{ role: "system" as const, content: request.system }] : []), { role: "user", content: request.prompt }];
  const temperature = request.temperature ?? settings.temperature;
  const maxTokens = request.maxTokens ?? settings.maxTokens;
  let text = "";
  let usage: Usage | undefined;
  let metrics: Metrics | undefined;
  let reason: Parameters<typeof formatCallSummary>[3] = "stop";
  const stream = model.client.stream(
    {
      messages,
      ...(temperature !== undefined ? { temperature } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(request.prediction ? { prediction: request.prediction } : {}),
    },
    { signal },
  );
  for await (const event of stream) {
    if (event.type === "text-delta") text += event.text;
    if (event.type === "usage") usage = event.usage;
    if (event.type === "metrics") metrics = event.metrics;
    if (event.type === "finish") reason = event.reason;
    if (event.type === "error") throw SparkError.fromJSON(event.error);
  }
  const summary = usage && metrics ? formatCallSummary(model.client.displayName, usage, metrics, reason) : `[${model.client.displayName}]`;
  return { text, summary };
}

/**
 * `spark mcp`: Spark as an MCP server over stdio (stdout carries the protocol, so nothing else may be
 * written there). The model opens at the first `complete`, so `apply_patch` works without one.
 */
export async function serveMcp(options: McpOptions): Promise<number> {
  const workspace = await findWorkspaceRoot(options.cwd ?? process.cwd());
  // The database (a native module and its migrations) opens at the first edit: `initialize` is answered without it.
  let stores: Promise<SparkStores> | undefined;
  const storesNow = (): Promise<SparkStores> => {
    stores ??= import("../../store/index.js").then(({ openStores }) => openStores(sparkHome(process.env)));
    // A database that failed to open (a full disk, a locked file) is answered as a tool error and tried again next time.
    stores.catch(() => (stores = undefined));
    return stores;
  };
  let opened: Promise<{ runtime: ModelRuntime; model: OpenedModel }> | undefined;
  const fastModel = async (): Promise<OpenedModel> => {
    // The config is read again on each try, so a model configured meanwhile is found.
    opened ??= (async () => {
      // The runtime (model providers, the engine) loads here, so `initialize` is answered without it.
      const { openRuntime } = await import("../common/open-runtime.js");
      const runtime = await openRuntime(options);
      return { runtime, model: await runtime.openFast() };
    })();
    // A failed open (no model configured) is answered as a tool error and tried again next time.
    opened.catch(() => (opened = undefined));
    return (await opened).model;
  };
  const server = createSparkMcpServer({
    version: sparkVersion,
    applyPatch: async (patch) => applyPatchIn(workspace, await storesNow(), patch),
    applyLazyEdit: async (path, snippet, signal) => applyLazyIn(workspace, await storesNow(), { path, snippet }, async () => (await fastModel()).client, signal),
    complete: async (request, signal) => completeWith(await fastModel(), request, signal),
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => (server.server.onclose = resolve));
  process.stdin.on("end", () => void server.close());
  try {
    await server.connect(transport);
    await closed;
  } finally {
    await (await opened?.catch(() => undefined))?.runtime.dispose();
    (await stores?.catch(() => undefined))?.close();
  }
  return exitCodes.ok;
}
