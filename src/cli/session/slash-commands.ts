import { sessionDiff, undoCheckpoint } from "../../edits/index.js";
import { FAST_ALIAS, REVIEW_ALIAS } from "../../config/index.js";
import { workspaceWriteSettings } from "../../config/index.js";
import { approvalModes, parseApprovalMode } from "../../sandbox/index.js";
import { paint } from "./ansi-style.js";
import { errorLines } from "./agent-turn.js";
import { unifiedDiffLines } from "./edit-diff.js";
import { sessionLabel } from "./history-lines.js";
import type { CommandHost } from "./command-host.js";
import { errorMessage } from "../../core/index.js";

/** The session's slash commands: /model, /review, /undo, /diff, /compact, /new, /resume, /approval, /help, /quit. */

interface Command {
  name: string;
  usage: string;
  help: string;
  /** Changes the conversation or the files: not while a turn runs. */
  idleOnly?: boolean;
  run(host: CommandHost, args: string): Promise<void> | void;
}

const note = (text: string) => [paint.dim(text)];

const COMMANDS: Command[] = [
  { name: "help", usage: "/help", help: "this list", run: (host) => host.view.print(helpLines()) },
  { name: "model", usage: "/model [NAME]", help: `switch model; alone, toggle between ${FAST_ALIAS} and ${REVIEW_ALIAS}`, run: switchModel },
  { name: "review", usage: "/review", help: "the review model reviews this session's changes (with the project's checks); the model revises from its comments", idleOnly: true, run: (host) => host.review() },
  { name: "undo", usage: "/undo", help: "restore the files of the latest patch in this workspace", idleOnly: true, run: undo },
  { name: "diff", usage: "/diff", help: "what this session's patches changed, as a diff", run: diff },
  { name: "compact", usage: "/compact", help: "summarise older turns now, to free the context window", idleOnly: true, run: (host) => host.compact() },
  { name: "new", usage: "/new", help: "start a new conversation (this one stays saved)", idleOnly: true, run: (host) => host.newConversation() },
  { name: "resume", usage: "/resume [ID|N]", help: "reopen a saved session of this workspace", idleOnly: true, run: resume },
  { name: "approval", usage: "/approval [MODE]", help: `show or set the approval mode (${approvalModes.join(", ")})`, run: approval },
  { name: "quit", usage: "/quit", help: "leave (also Ctrl-D; the session stays saved)", run: (host) => host.exit() },
];
const ALIASES: Record<string, string> = { exit: "quit", q: "quit", "?": "help" };

export function helpLines(): string[] {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  return [
    "",
    paint.bold("Commands"),
    ...COMMANDS.map((command) => `  ${paint.cyan(command.usage.padEnd(width))}  ${command.help}`),
    paint.bold("Keys"),
    `  ${paint.cyan("Enter".padEnd(width))}  send; while the model writes: interrupt it and send this instead`,
    `  ${paint.cyan("Tab".padEnd(width))}  queue the message for when the current turn ends`,
    `  ${paint.cyan("Esc".padEnd(width))}  interrupt (the partial answer is kept)`,
    `  ${paint.cyan("↑ ↓".padEnd(width))}  earlier messages`,
    `  ${paint.cyan("Ctrl-C".padEnd(width))}  interrupt; when idle, leave`,
    "",
  ];
}

/** Whether the input is a command (a known name after "/"), so "/etc/hosts is wrong" still goes to the model. */
export function isCommand(text: string): boolean {
  const name = /^\/(\S+)/.exec(text.trim())?.[1]?.toLowerCase();
  return name !== undefined && (COMMANDS.some((command) => command.name === name) || name in ALIASES || !name.includes("/"));
}

export async function runCommand(host: CommandHost, text: string): Promise<void> {
  const match = /^\/(\S+)\s*([\s\S]*)$/.exec(text.trim());
  const name = match?.[1]?.toLowerCase() ?? "";
  const command = COMMANDS.find((candidate) => candidate.name === (ALIASES[name] ?? name));
  if (!command) {
    host.view.print(errorLines(`Unknown command /${name}. /help lists the commands.`));
    return;
  }
  if (command.idleOnly && host.busy()) {
    host.view.print(note(`/${command.name} waits for the turn to end: press Esc to interrupt it, or Tab to queue /${command.name}.`));
    return;
  }
  try {
    await command.run(host, match?.[2]?.trim() ?? "");
  } catch (error) {
    host.view.print(errorLines(errorMessage(error)));
  }
}

async function switchModel(host: CommandHost, args: string): Promise<void> {
  const target = args || host.models.toggleTarget();
  if (!args && !host.models.runtime.isConfigured(target)) {
    host.view.print(errorLines(`No "${target}" model is configured. Add a line ${target} = "PROVIDER/MODEL" under the [aliases] table of ~/.spark/config.toml ($SPARK_HOME/config.toml when set), or give a name: /model NAME.`));
    return;
  }
  const active = await host.models.switchTo(target);
  host.modelChanged();
  const when = host.busy() ? " from the next turn" : "";
  host.view.print(note(`Model${when}: ${active.name}${active.name === active.client.displayName ? "" : ` (${active.client.displayName})`}`));
}

async function undo(host: CommandHost): Promise<void> {
  const result = await undoCheckpoint({ workspace: host.workspace, store: host.stores.checkpoints, ...(await workspaceWriteSettings(host.workspace)) });
  const words = { restored: "restored", removed: "removed (the patch created it)", recreated: "recreated (the patch deleted it)", unchanged: "already as before" };
  host.view.print([
    paint.green(`Undid checkpoint ${result.checkpoint.id} (${result.checkpoint.description}):`),
    ...result.files.map((file) => `  ${file.path}: ${words[file.action]}`),
  ]);
}

async function diff(host: CommandHost): Promise<void> {
  const sessionId = host.sessionId();
  if (sessionId === undefined) {
    host.view.print(note("No changes: nothing has been sent in this conversation yet."));
    return;
  }
  const result = await sessionDiff({ workspace: host.workspace, store: host.stores.checkpoints, sessionId });
  if (result.files.length === 0) {
    host.view.print(note(result.checkpointIds.length === 0 ? "No changes: this session has applied no patch (or all were undone)." : "No changes: the files are as they were before the patches."));
    return;
  }
  const added = result.files.reduce((sum, file) => sum + file.added, 0);
  const removed = result.files.reduce((sum, file) => sum + file.removed, 0);
  host.view.print([...unifiedDiffLines(result.text), paint.dim(`${result.files.length} file${result.files.length === 1 ? "" : "s"} changed, +${added} -${removed}`)]);
}

function resume(host: CommandHost, args: string): void {
  const sessions = host.stores.sessions.list(host.workspace, 30).filter((info) => info.id !== host.sessionId());
  if (sessions.length === 0) {
    host.view.print(note(`No other saved session in ${host.workspace}.`));
    return;
  }
  if (args) {
    const byNumber = /^\d+$/.test(args) && args.length < 4 ? sessions[Number(args) - 1] : undefined;
    const found = byNumber ?? sessions.find((info) => info.id.startsWith(args));
    if (!found) host.view.print(errorLines(`No saved session "${args}" in this workspace. /resume alone lists them.`));
    else host.resume(found.id);
    return;
  }
  host.view.set(
    {
      picker: {
        title: "Resume a session (↑ ↓ to choose, Enter to open, Esc to cancel)",
        items: sessions.map((info) => ({ id: info.id, label: sessionLabel(info) })),
        pick: (id) => {
          host.view.set({ picker: undefined });
          host.resume(id);
        },
        cancel: () => host.view.set({ picker: undefined }),
      },
    },
    true,
  );
}

async function approval(host: CommandHost, args: string): Promise<void> {
  if (!args) {
    host.view.print(note(`Approval mode: ${host.approvalMode()} (suggest: ask before edits and commands; auto-edit: apply edits, ask before commands; full-auto: apply edits, run commands in the sandbox).`));
    return;
  }
  await host.setApprovalMode(parseApprovalMode(args));
  host.view.print(note(`Approval mode: ${host.approvalMode()}`));
}
