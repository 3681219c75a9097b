import * as vscode from "vscode";
import { CloseAction, ErrorAction, ExecuteCommandRequest, LanguageClient, type ErrorHandler, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import {
  commands,
  initializationOptions,
  metricsNotification,
  readSettings,
  serverCommand,
  statusNotification,
  statusText,
  statusTooltip,
  type ModelInfo,
  type SparkMetrics,
  type SparkSettings,
  type SparkStatus,
} from "./server-options";
import { startServerProcess } from "./server-process";
import { editFailureMessage, startFailureMessage, type StartFailure, type UserMessage } from "./user-messages";

/**
 * The Spark extension: a thin client of `spark lsp`. Inline suggestions and the "Spark: edit
 * selection…" code action come from the server; the extension asks for the edit's instruction, shows
 * the model, its loading and its speed in the status bar, and toggles between the fast and the review
 * model. A failure is told once, in the user's words, with what to do (user-messages.ts).
 */

/** The language client, whose own error pop-ups are left out while `quiet`: the extension tells the user itself. */
class SparkClient extends LanguageClient {
  quiet = true;

  override error(message: string, data?: unknown, showNotification?: boolean | "force"): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }
}

let client: SparkClient | undefined;

function settings(): SparkSettings {
  const config = vscode.workspace.getConfiguration("spark");
  return readSettings((key) => config.get(key));
}

interface EditTarget {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  instruction?: string;
}

function activeSelection(): EditTarget | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const { start, end } = editor.selection;
  return { uri: editor.document.uri.toString(), range: { start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } } };
}

async function tell(message: UserMessage, output: vscode.LogOutputChannel): Promise<void> {
  output.error(message.text);
  const actions = [...(message.setting ? ["Open Settings"] : []), ...(message.log ? ["Show Log"] : [])];
  const choice = await vscode.window.showErrorMessage(message.text, ...actions);
  if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", message.setting);
  else if (choice === "Show Log") output.show();
}

/** Asks for the instruction when there is none, then runs the edit; a failure is told once (no raw LSP text, no modal). */
async function editSelection(current: SparkClient, commandArgs: unknown[], output: vscode.LogOutputChannel): Promise<unknown> {
  const target = (commandArgs[0] as EditTarget | undefined) ?? activeSelection();
  if (!target) return undefined;
  const instruction = target.instruction ?? (await vscode.window.showInputBox({ title: "Spark: edit selection", prompt: "What should change in the selection?", ignoreFocusOut: true }));
  if (!instruction) return undefined;
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Spark: ${instruction}`, cancellable: true }, async (_progress, token) => {
    try {
      return await current.sendRequest(ExecuteCommandRequest.type, { command: commands.editSelection, arguments: [{ ...target, instruction }] }, token);
    } catch (error) {
      const message = editFailureMessage(error);
      if (message) await tell(message, output);
      return undefined;
    }
  });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Spark", { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = commands.toggleModel;
  status.text = statusText(undefined, undefined);
  status.show();
  context.subscriptions.push(output, status);
  let info: ModelInfo | undefined;
  let last: SparkMetrics | undefined;
  let load: SparkStatus | undefined;
  const showStatus = (): void => {
    status.text = statusText(info, last, load);
    status.tooltip = statusTooltip(info, last, load);
  };

  const start = async (): Promise<void> => {
    const current = settings();
    const { command, args } = serverCommand(current);
    let ended: Promise<StartFailure> | undefined;
    let told = false;
    const startFailed = async (): Promise<void> => {
      // The process's end has the reason (its stderr); it comes at most a moment after the connection closed.
      const failure = ended ? await Promise.race([ended, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 3_000))]) : undefined;
      if (told) return;
      told = true;
      const message = startFailureMessage(failure ?? { command, args, stderr: "" });
      status.text = "$(error) Spark";
      status.tooltip = message.text;
      await tell(message, output);
    };
    // Until the server has started, a failure is the extension's to tell (startFailed), and restarting cannot help.
    const errorHandler: ErrorHandler = {
      error: () => ({ action: ErrorAction.Shutdown, handled: true }),
      closed: () => ({ action: CloseAction.DoNotRestart, handled: true }),
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: output,
      initializationOptions: initializationOptions(current),
      errorHandler,
      middleware: {
        executeCommand: async (name, commandArgs, next) => {
          if (name === commands.editSelection) return editSelection(created, commandArgs, output);
          if (name === commands.toggleModel) {
            info = (await next(name, commandArgs)) as ModelInfo;
            last = undefined;
            showStatus();
            if (!info.alternative) void vscode.window.showInformationMessage("Spark: no review model is configured (setting spark.reviewModel, or the alias `review`).");
            return info;
          }
          return next(name, commandArgs);
        },
      },
    };
    const serverOptions: ServerOptions = () => {
      const server = startServerProcess(command, args);
      ended = server.ended;
      return server.started;
    };
    const created = new SparkClient("spark", "Spark", serverOptions, clientOptions);
    client = created;
    created.onNotification(metricsNotification, (metrics: SparkMetrics) => {
      last = metrics;
      info = { role: metrics.role, model: metrics.model, ...(info?.alternative ? { alternative: info.alternative } : {}) };
      showStatus();
    });
    created.onNotification(statusNotification, (update: SparkStatus) => {
      load = update.state === "ready" ? undefined : update;
      if (update.state === "ready") info = { role: update.role, model: update.model, ...(info?.alternative ? { alternative: info.alternative } : {}) };
      showStatus();
      // Text typed before the server was up got no request (VS Code asks only on a keystroke, and only a
      // running client): ask once for the cursor now, so the user need not type again for a suggestion.
      if (update.state === "ready" && vscode.window.activeTextEditor) void vscode.commands.executeCommand("editor.action.inlineSuggest.trigger");
    });
    try {
      await created.start();
    } catch {
      await startFailed();
      return;
    }
    // After a good start, a server that stops is restarted by the client's default policy, which says so itself.
    created.quiet = false;
    const restarts = created.createDefaultErrorHandler();
    errorHandler.error = (error, message, count) => restarts.error(error, message, count);
    errorHandler.closed = () => restarts.closed();
  };

  const restart = async (): Promise<void> => {
    const old = client;
    client = undefined;
    await old?.stop().catch(() => undefined);
    await start();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand(commands.restart, restart),
    vscode.commands.registerCommand(commands.showLog, () => output.show()),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("spark")) void restart();
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
