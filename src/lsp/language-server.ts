import {
  CodeActionKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type InitializeResult,
  type InlineCompletionList,
  type TextDocumentEdit,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { documentPath, filePathOf } from "./document-paths.js";
import { EditFailed, editSelection, type EditDocument } from "./edit-selection.js";
import type { OpenText } from "./fim-context.js";
import { InlineCompleter } from "./inline-completer.js";
import { commands, metricsNotification, type EditSelectionArguments, type ModelRole, type SparkMetrics } from "./lsp-protocol.js";
import type { ModelSet } from "./lsp-model.js";
import { withClientSettings, type LspSettings } from "./lsp-settings.js";
import { minimalEdit } from "./text-edits.js";
import { errorMessage } from "../core/index.js";

export interface LanguageServerOptions {
  /** The client's messages (stdin) and where the answers go (stdout). */
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  models: ModelSet;
  settings: LspSettings;
  /** Reported to the client as serverInfo.version. */
  version: string;
}

function abortSignalOf(token: { isCancellationRequested: boolean; onCancellationRequested(listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "cancelled");
}

function formatMetrics(metrics: SparkMetrics): string {
  const parts = [`${metrics.kind} ${metrics.finish}`, metrics.model, metrics.mode];
  if (metrics.ttftMs !== null) parts.push(`first token ${metrics.ttftMs} ms`);
  if (metrics.tokensPerSecond !== null) parts.push(`${Math.round(metrics.tokensPerSecond)} tok/s`);
  parts.push(`${metrics.outputTokens} tokens`, `${metrics.totalMs} ms total`);
  return `Spark: ${parts.join(" · ")}`;
}

/**
 * `spark lsp`: inline completions (LSP 3.18 textDocument/inlineCompletion), the "edit selection" code
 * action and command, and a model toggle; speed figures go out as `spark/metrics` notifications and
 * window/logMessage lines.
 */
export function startLanguageServer(options: LanguageServerOptions): void {
  const { models } = options;
  // Also routes console.* to the client's log, so nothing else can write into the protocol stream.
  const connection = createConnection(options.input, options.output);
  const documents = new TextDocuments(TextDocument);
  const touched = new Map<string, number>();
  let clock = 0;
  let settings = options.settings;
  let roots: string[] = [];
  let canApplyEdit = false;
  let versionedEdits = false;

  const report = (metrics: SparkMetrics): void => {
    void connection.sendNotification(metricsNotification, metrics);
    connection.console.log(formatMetrics(metrics));
  };

  const openText = (document: TextDocument): OpenText => ({
    path: documentPath(document.uri, roots),
    languageId: document.languageId,
    text: document.getText(),
    lastTouched: touched.get(document.uri) ?? 0,
  });

  const completer = new InlineCompleter({
    settings: () => settings,
    source: async () => {
      const role = models.activeRole;
      const model = await models.get(role);
      return { source: model.completions, role, temperature: model.settings.temperature };
    },
    report,
    log: (message) => connection.console.log(`Spark: ${message}`),
  });

  documents.onDidChangeContent((change) => {
    touched.set(change.document.uri, ++clock);
    completer.documentChanged(change.document.uri);
  });
  documents.onDidClose((event) => {
    touched.delete(event.document.uri);
    completer.documentClosed(event.document.uri);
  });

  connection.onInitialize((params): InitializeResult => {
    const folders = params.workspaceFolders ?? [];
    roots = folders.map((folder) => filePathOf(folder.uri)).filter((path): path is string => path !== undefined);
    const rootPath = params.rootUri ? filePathOf(params.rootUri) : undefined;
    if (roots.length === 0 && rootPath !== undefined) roots = [rootPath];
    settings = withClientSettings(settings, params.initializationOptions);
    canApplyEdit = params.capabilities.workspace?.applyEdit === true;
    versionedEdits = params.capabilities.workspace?.workspaceEdit?.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        inlineCompletionProvider: {},
        codeActionProvider: { codeActionKinds: [CodeActionKind.RefactorRewrite] },
        executeCommandProvider: { commands: [commands.editSelection, commands.toggleModel] },
      },
      serverInfo: { name: "spark", version: options.version },
    };
  });

  const warm = async (role: ModelRole): Promise<void> => {
    const name = models.nameOf(role);
    const started = performance.now();
    try {
      const model = await models.get(role);
      await model.warm();
      const mode = await model.completions.mode();
      connection.console.info(`Spark: ${role} model ${name} ready in ${Math.round(performance.now() - started)} ms (${mode === "fim" ? "fill-in-the-middle tokens" : "chat prompt"} completions)`);
    } catch (error) {
      connection.console.error(`Spark: the ${role} model ${name} cannot be used: ${errorMessage(error)}`);
    }
  };

  connection.onInitialized(() => {
    connection.console.info(`Spark: language server started; loading ${models.nameOf("fast")}`);
    void warm("fast");
  });

  connection.languages.inlineCompletion.on(async (params, token): Promise<InlineCompletionList | null> => {
    const document = documents.get(params.textDocument.uri);
    if (!document) return null;
    const offset = document.offsetAt(params.position);
    const signal = abortSignalOf(token);
    let text: string | undefined;
    try {
      text = await completer.complete({ uri: document.uri, document: openText(document), offset, openDocuments: documents.all().map(openText), signal });
    } catch (error) {
      connection.console.error(`Spark: completion failed: ${errorMessage(error)}`);
      return null;
    }
    if (signal.aborted) throw cancelled();
    if (text === undefined) return { items: [] };
    return { items: [{ insertText: text, range: { start: params.position, end: params.position } }] };
  });

  connection.onCodeAction((params): CodeAction[] => {
    const args: EditSelectionArguments = { uri: params.textDocument.uri, range: params.range };
    return [{ title: "Spark: edit selection…", kind: CodeActionKind.RefactorRewrite, command: { title: "Spark: edit selection…", command: commands.editSelection, arguments: [args] } }];
  });

  const runEdit = async (args: EditSelectionArguments, signal: AbortSignal): Promise<unknown> => {
    const document = documents.get(args.uri);
    if (!document) throw new ResponseError(ErrorCodes.InvalidParams, `${args.uri} is not open in the editor`);
    const instruction = args.instruction?.trim();
    if (!instruction) throw new ResponseError(ErrorCodes.InvalidParams, `${commands.editSelection} needs an instruction: say what to change in the selection`);
    const receivedAt = performance.now();
    const role = models.activeRole;
    const model = await models.get(role);
    const [start, end] = document.offsetAt(args.range.start) <= document.offsetAt(args.range.end) ? [args.range.start, args.range.end] : [args.range.end, args.range.start];
    const startLine = start.line;
    // A selection that ends at the start of a line does not include that line.
    const endLine = end.line > start.line && end.character === 0 ? end.line - 1 : end.line;
    const editDocument = (doc: TextDocument): EditDocument => ({ uri: doc.uri, path: documentPath(doc.uri, roots), languageId: doc.languageId, text: doc.getText() });
    const all = documents.all();
    connection.console.info(`Spark: editing ${documentPath(document.uri, roots)} lines ${startLine + 1}-${endLine + 1} with ${model.name}: ${instruction}`);
    let result;
    try {
      result = await editSelection(model.client, { target: editDocument(document), startLine, endLine, instruction, documents: all.map(editDocument) }, {
        signal,
        maxTokens: model.settings.maxTokens ?? settings.maxEditTokens,
        ...(model.settings.temperature !== undefined ? { temperature: model.settings.temperature } : {}),
      });
    } catch (error) {
      if (signal.aborted) throw cancelled();
      const message = error instanceof EditFailed ? error.message : `The edit failed: ${errorMessage(error)}`;
      connection.console.error(`Spark: ${message}${error instanceof EditFailed && error.patch ? `\n--- model answer ---\n${error.patch}` : ""}`);
      throw new ResponseError(ErrorCodes.InternalError, message);
    }
    const changes: Record<string, TextEdit[]> = {};
    const documentChanges: TextDocumentEdit[] = [];
    for (const [uri, text] of result.changed) {
      const doc = documents.get(uri);
      const edit = doc ? minimalEdit(doc, text) : undefined;
      if (!doc || !edit) continue;
      changes[uri] = [edit];
      documentChanges.push({ textDocument: { uri, version: doc.version }, edits: [edit] });
    }
    const edit: WorkspaceEdit = versionedEdits ? { documentChanges } : { changes };
    report({
      kind: "edit",
      uri: document.uri,
      model: model.client.displayName,
      role,
      mode: "patch",
      finish: "stop",
      ttftMs: result.firstTextAt === undefined ? null : Math.round(result.firstTextAt - receivedAt),
      tokensPerSecond: result.metrics?.decodeTokensPerSecond == null ? null : Math.round(result.metrics.decodeTokensPerSecond),
      outputTokens: result.outputTokens,
      promptTokensReused: result.metrics?.promptTokensReused ?? 0,
      totalMs: Math.round(performance.now() - receivedAt),
      chars: result.patch.length,
    });
    let applied = false;
    if (args.apply !== false && canApplyEdit) {
      const response = await connection.workspace.applyEdit({ label: `Spark: ${instruction}`, edit });
      applied = response.applied;
    }
    return { edit, applied, status: result.report.status, patch: result.patch };
  };

  connection.onExecuteCommand(async (params, token) => {
    const signal = abortSignalOf(token);
    if (params.command === commands.editSelection) {
      const args = params.arguments?.[0] as EditSelectionArguments | undefined;
      if (!args || typeof args.uri !== "string" || !args.range) throw new ResponseError(ErrorCodes.InvalidParams, `${commands.editSelection} expects { uri, range, instruction }`);
      return runEdit(args, signal);
    }
    if (params.command === commands.toggleModel) {
      const wanted = (params.arguments?.[0] as { role?: ModelRole } | undefined)?.role;
      const info = models.use(wanted === "fast" || wanted === "review" ? wanted : undefined);
      connection.console.info(`Spark: using the ${info.role} model ${info.model}`);
      void warm(info.role);
      return info;
    }
    throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command ${params.command}`);
  });

  connection.onShutdown(async () => {
    await models.dispose();
  });

  documents.listen(connection);
  connection.listen();
}
