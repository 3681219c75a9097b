import * as vscode from "vscode";
import { LanguageClient, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import {
  commands,
  initializationOptions,
  metricsNotification,
  readSettings,
  serverCommand,
  statusText,
  statusTooltip,
  type ModelInfo,
  type SparkMetrics,
  type SparkSettings,
} from "./server-options";

/**
 * The Spark extension: a thin client of `spark lsp`. Inline suggestions and the "Spark: edit
 * selection…" code action come from the server; the extension asks for the edit's instruction, shows
 * the model and its speed in the status bar, and toggles between the fast and the review model.
 */

let client: LanguageClient | undefined;

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

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Spark", { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  status.command = commands.toggleModel;
  status.text = statusText(undefined, undefined);
  status.show();
  context.subscriptions.push(output, status);
  let info: ModelInfo | undefined;
  let last: SparkMetrics | undefined;
  const showStatus = (): void => {
    status.text = statusText(info, last);
    status.tooltip = statusTooltip(info, last);
  };

  const start = async (): Promise<void> => {
    const current = settings();
    const { command, args } = serverCommand(current);
    const serverOptions: ServerOptions = { command, args, options: { env: process.env } };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
      outputChannel: output,
      initializationOptions: initializationOptions(current),
      middleware: {
        executeCommand: async (name, commandArgs, next) => {
          if (name === commands.editSelection) {
            const target = (commandArgs[0] as EditTarget | undefined) ?? activeSelection();
            if (!target) return undefined;
            const instruction = target.instruction ?? (await vscode.window.showInputBox({ title: "Spark: edit selection", prompt: "What should change in the selection?", ignoreFocusOut: true }));
            if (!instruction) return undefined;
            return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Spark: ${instruction}` }, () => next(name, [{ ...target, instruction }]));
          }
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
    client = new LanguageClient("spark", "Spark", serverOptions, clientOptions);
    client.onNotification(metricsNotification, (metrics: SparkMetrics) => {
      last = metrics;
      info = { role: metrics.role, model: metrics.model, ...(info?.alternative ? { alternative: info.alternative } : {}) };
      showStatus();
    });
    try {
      await client.start();
    } catch (error) {
      status.text = "$(error) Spark";
      status.tooltip = `Spark could not start \`${command} ${args.join(" ")}\`: ${(error as Error).message}`;
      output.error(status.tooltip);
    }
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
