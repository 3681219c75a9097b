import {
  CodeActionKind,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  createConnection,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type ExecuteCommandParams,
  type InitializeParams,
  type InlineCompletionParams,
  type InitializeResult,
  type InlineCompletionList,
  type TextDocumentEdit,
  type TextEdit,
  type CancellationToken,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { documentPath, filePathOf } from "./document-paths.js";
import { EditFailed, editSelection, type EditDocument, type EditSelectionResult } from "./edit-selection.js";
import type { OpenText } from "./fim-context.js";
import { InlineCompleter, type ActiveSource } from "./inline-completer.js";
import { commands, metricsNotification, statusNotification, type EditSelectionArguments, type ModelRole, type SparkMetrics, type SparkStatus } from "./lsp-protocol.js";
import type { ModelSet } from "./lsp-model.js";
import { withClientSettings, type LspSettings } from "./lsp-settings.js";
import { PrefixWarmer } from "./prefix-warmer.js";
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
 * window/logMessage lines, a model's loading as `spark/status`. Models load in the background, so the
 * message loop answers (cancellations included) while they do. The process ends with its client: on
 * `exit`, when stdin closes, or when the client's process (initialize's processId) is gone, which
 * vscode-languageserver checks every 3 seconds.
 */
export function startLanguageServer(options: LanguageServerOptions): void {
  new SparkLanguageServer(options).listen();
}

/** One client's session: its open documents, workspace roots, settings and what the client can do. */
class SparkLanguageServer {
  private readonly models: ModelSet;
  // Also routes console.* to the client's log, so nothing else can write into the protocol stream.
  private readonly connection: Connection;
  private readonly documents = new TextDocuments(TextDocument);
  private readonly touched = new Map<string, number>();
  private readonly completer: InlineCompleter;
  private readonly warmer: PrefixWarmer;
  /** Per document, the offset of the last inline-completion request: the cursor region to warm. */
  private readonly cursors = new Map<string, number>();
  private clock = 0;
  private settings: LspSettings;
  private roots: string[] = [];
  private canApplyEdit = false;
  private versionedEdits = false;

  constructor(private readonly options: LanguageServerOptions) {
    this.models = options.models;
    this.settings = options.settings;
    this.connection = createConnection(options.input, options.output);
    const source = async (): Promise<ActiveSource> => {
      const role = this.models.activeRole;
      const model = await this.models.get(role);
      return { source: model.completions, role, temperature: model.settings.temperature };
    };
    const log = (message: string): void => this.connection.console.log(`Spark: ${message}`);
    this.completer = new InlineCompleter({ settings: () => this.settings, source, report: (metrics) => this.report(metrics), log });
    this.warmer = new PrefixWarmer({ settings: () => this.settings, source, target: (uri) => this.warmTarget(uri), busy: () => this.completer.busy, log });
  }

  listen(): void {
    const { connection, documents } = this;
    this.models.onStatus((status) => this.reportStatus(status));
    documents.onDidChangeContent((change) => {
      this.touched.set(change.document.uri, ++this.clock);
      this.completer.documentChanged(change.document.uri);
      // Fires on open too: a newly opened file is warmed once it has been quiet a moment.
      this.warmer.schedule(change.document.uri);
    });
    documents.onDidClose((event) => {
      this.touched.delete(event.document.uri);
      this.cursors.delete(event.document.uri);
      this.completer.documentClosed(event.document.uri);
    });
    connection.onInitialize((params) => this.initialize(params));
    connection.onInitialized(() => {
      connection.console.info(`Spark: language server started; loading ${this.models.nameOf("fast")}`);
      void this.warm("fast");
    });
    connection.languages.inlineCompletion.on((params, token) => this.inlineCompletion(params, token));
    connection.onCodeAction((params) => this.codeActions(params));
    connection.onExecuteCommand((params, token) => this.executeCommand(params, token));
    connection.onShutdown(async () => {
      await this.warmer.cancel();
      await this.models.dispose();
    });
    documents.listen(connection);
    connection.listen();
  }

  private initialize(params: InitializeParams): InitializeResult {
    const folders = params.workspaceFolders ?? [];
    this.roots = folders.map((folder) => filePathOf(folder.uri)).filter((path): path is string => path !== undefined);
    const rootPath = params.rootUri ? filePathOf(params.rootUri) : undefined;
    if (this.roots.length === 0 && rootPath !== undefined) this.roots = [rootPath];
    this.settings = withClientSettings(this.settings, params.initializationOptions);
    this.canApplyEdit = params.capabilities.workspace?.applyEdit === true;
    this.versionedEdits = params.capabilities.workspace?.workspaceEdit?.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        inlineCompletionProvider: {},
        codeActionProvider: { codeActionKinds: [CodeActionKind.RefactorRewrite] },
        executeCommandProvider: { commands: [commands.editSelection, commands.toggleModel] },
      },
      serverInfo: { name: "spark", version: this.options.version },
    };
  }

  private reportStatus(status: SparkStatus): void {
    void this.connection.sendNotification(statusNotification, status);
  }

  private report(metrics: SparkMetrics): void {
    void this.connection.sendNotification(metricsNotification, metrics);
    this.connection.console.log(formatMetrics(metrics));
  }

  private openText(document: TextDocument): OpenText {
    return {
      path: documentPath(document.uri, this.roots),
      languageId: document.languageId,
      text: document.getText(),
      lastTouched: this.touched.get(document.uri) ?? 0,
    };
  }

  /** The document as it is now, at its last cursor (a file not asked about yet: its end). */
  private warmTarget(uri: string): { document: OpenText; offset: number; openDocuments: OpenText[] } | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const open = this.openText(document);
    return { document: open, offset: this.cursors.get(uri) ?? open.text.length, openDocuments: this.documents.all().map((other) => this.openText(other)) };
  }

  private async warm(role: ModelRole): Promise<void> {
    const name = this.models.nameOf(role);
    const started = performance.now();
    try {
      const model = await this.models.get(role);
      const mode = await model.completions.mode();
      this.connection.console.info(`Spark: ${role} model ${name} ready in ${Math.round(performance.now() - started)} ms (${mode === "fim" ? "fill-in-the-middle tokens" : "chat prompt"} completions)`);
    } catch (error) {
      this.connection.console.error(`Spark: the ${role} model ${name} cannot be used: ${errorMessage(error)}`);
    }
  }

  private async inlineCompletion(params: InlineCompletionParams, token: CancellationToken): Promise<InlineCompletionList | null> {
    const document = this.documents.get(params.textDocument.uri);
    if (!document) return null;
    const offset = document.offsetAt(params.position);
    this.cursors.set(document.uri, offset);
    const signal = abortSignalOf(token);
    let text: string | undefined;
    try {
      // The request's own prompt comes first; the warm-up stops within a chunk, keeping what it evaluated.
      await this.warmer.cancel();
      const openDocuments = this.documents.all().map((open) => this.openText(open));
      text = await this.completer.complete({ uri: document.uri, document: this.openText(document), offset, openDocuments, signal });
    } catch (error) {
      this.connection.console.error(`Spark: completion failed: ${errorMessage(error)}`);
      return null;
    }
    if (signal.aborted) throw cancelled();
    if (text === undefined) return { items: [] };
    return { items: [{ insertText: text, range: { start: params.position, end: params.position } }] };
  }

  private codeActions(params: CodeActionParams): CodeAction[] {
    const args: EditSelectionArguments = { uri: params.textDocument.uri, range: params.range };
    return [{ title: "Spark: edit selection…", kind: CodeActionKind.RefactorRewrite, command: { title: "Spark: edit selection…", command: commands.editSelection, arguments: [args] } }];
  }

  private async executeCommand(params: ExecuteCommandParams, token: CancellationToken): Promise<unknown> {
    const signal = abortSignalOf(token);
    if (params.command === commands.editSelection) {
      const args = params.arguments?.[0] as EditSelectionArguments | undefined;
      if (!args || typeof args.uri !== "string" || !args.range) throw new ResponseError(ErrorCodes.InvalidParams, `${commands.editSelection} expects { uri, range, instruction }`);
      return this.runEdit(args, signal);
    }
    if (params.command === commands.toggleModel) {
      const wanted = (params.arguments?.[0] as { role?: ModelRole } | undefined)?.role;
      const info = this.models.use(wanted === "fast" || wanted === "review" ? wanted : undefined);
      this.connection.console.info(`Spark: using the ${info.role} model ${info.model}`);
      void this.warm(info.role);
      return info;
    }
    throw new ResponseError(ErrorCodes.MethodNotFound, `unknown command ${params.command}`);
  }

  private async runEdit(args: EditSelectionArguments, signal: AbortSignal): Promise<unknown> {
    const document = this.documents.get(args.uri);
    if (!document) throw new ResponseError(ErrorCodes.InvalidParams, `${args.uri} is not open in the editor`);
    const instruction = args.instruction?.trim();
    if (!instruction) throw new ResponseError(ErrorCodes.InvalidParams, `${commands.editSelection} needs an instruction: say what to change in the selection`);
    const receivedAt = performance.now();
    await this.warmer.cancel();
    const role = this.models.activeRole;
    const model = await this.models.get(role);
    const [start, end] = document.offsetAt(args.range.start) <= document.offsetAt(args.range.end) ? [args.range.start, args.range.end] : [args.range.end, args.range.start];
    const startLine = start.line;
    // A selection that ends at the start of a line does not include that line.
    const endLine = end.line > start.line && end.character === 0 ? end.line - 1 : end.line;
    const editDocument = (doc: TextDocument): EditDocument => ({ uri: doc.uri, path: documentPath(doc.uri, this.roots), languageId: doc.languageId, text: doc.getText() });
    this.connection.console.info(`Spark: editing ${documentPath(document.uri, this.roots)} lines ${startLine + 1}-${endLine + 1} with ${model.name}: ${instruction}`);
    let result: EditSelectionResult;
    try {
      result = await editSelection(model.client, { target: editDocument(document), startLine, endLine, instruction, documents: this.documents.all().map(editDocument) }, {
        signal,
        maxTokens: model.settings.maxTokens ?? this.settings.maxEditTokens,
        ...(model.settings.temperature !== undefined ? { temperature: model.settings.temperature } : {}),
      });
    } catch (error) {
      if (signal.aborted) throw cancelled();
      const message = error instanceof EditFailed ? error.message : `The edit failed: ${errorMessage(error)}`;
      this.connection.console.error(`Spark: ${message}${error instanceof EditFailed && error.patch ? `\n--- model answer ---\n${error.patch}` : ""}`);
      throw new ResponseError(ErrorCodes.InternalError, message);
    }
    const edit = this.workspaceEditOf(result.changed);
    this.report(editMetrics(result, { uri: document.uri, model: model.client.displayName, role, receivedAt }));
    let applied = false;
    if (args.apply !== false && this.canApplyEdit) {
      const response = await this.connection.workspace.applyEdit({ label: `Spark: ${instruction}`, edit });
      applied = response.applied;
    }
    return { edit, applied, status: result.report.status, patch: result.patch };
  }

  /** The edited documents' new texts as the smallest edits, versioned where the client takes them. */
  private workspaceEditOf(changed: Iterable<[string, string]>): WorkspaceEdit {
    const changes: Record<string, TextEdit[]> = {};
    const documentChanges: TextDocumentEdit[] = [];
    for (const [uri, text] of changed) {
      const doc = this.documents.get(uri);
      const edit = doc ? minimalEdit(doc, text) : undefined;
      if (!doc || !edit) continue;
      changes[uri] = [edit];
      documentChanges.push({ textDocument: { uri, version: doc.version }, edits: [edit] });
    }
    return this.versionedEdits ? { documentChanges } : { changes };
  }
}

function editMetrics(result: EditSelectionResult, call: { uri: string; model: string; role: ModelRole; receivedAt: number }): SparkMetrics {
  return {
    kind: "edit",
    uri: call.uri,
    model: call.model,
    role: call.role,
    mode: "patch",
    finish: "stop",
    ttftMs: result.firstTextAt === undefined ? null : Math.round(result.firstTextAt - call.receivedAt),
    tokensPerSecond: result.metrics?.decodeTokensPerSecond == null ? null : Math.round(result.metrics.decodeTokensPerSecond),
    outputTokens: result.outputTokens,
    promptTokensReused: result.metrics?.promptTokensReused ?? 0,
    totalMs: Math.round(performance.now() - call.receivedAt),
    chars: result.patch.length,
  };
}
