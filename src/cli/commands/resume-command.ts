import { findWorkspaceRoot } from "../../agent/index.js";
import { UsageError } from "../../core/index.js";
import type { SessionInfo } from "../../store/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { matchSessionPrefix } from "./session-id-prefix.js";
import { withStores } from "../common/with-stores.js";

export interface ResumeOptions extends GlobalOptions {
  list?: boolean;
  last?: boolean;
  json?: boolean;
  approval?: string;
  network?: boolean;
  cwd?: string;
}

/** Local time, to the minute. */
function formatTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function formatList(workspace: string, sessions: readonly SessionInfo[]): string {
  if (sessions.length === 0) return `No saved sessions in ${workspace}: \`spark\` starts one, \`spark exec\` saves its task as one.\n`;
  const lines = sessions.map(
    (info) => `${info.id.slice(0, 8)}  ${formatTime(info.updatedAt)}  ${String(info.messageCount).padStart(3)} messages  ${info.model}  ${info.title.replace(/\s+/g, " ").slice(0, 80)}`,
  );
  return `${lines.join("\n")}\n\`spark resume ID\` reopens one (the first characters of the id are enough).\n`;
}

function findSession(sessions: readonly SessionInfo[], id: string): SessionInfo {
  const match = matchSessionPrefix(sessions, id, (info) => info.id);
  if (!match) throw new UsageError(`No saved session "${id}" in this workspace; \`spark resume --list\` shows them.`);
  return match;
}

/**
 * `spark resume`: lists the saved sessions of this workspace and reopens one in the interactive
 * session: by id (or its first characters), the latest with --last, or picked from a list.
 */
export async function resumeCommand(id: string | undefined, options: ResumeOptions): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const workspace = await findWorkspaceRoot(cwd);
  const sessions = await withStores(async (stores) => stores.sessions.list(workspace, 500));
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (options.list || (!interactive && id === undefined && !options.last)) {
    process.stdout.write(options.json ? `${JSON.stringify(sessions, null, 2)}\n` : formatList(workspace, sessions));
    return exitCodes.ok;
  }
  if (sessions.length === 0) throw new UsageError(`No saved sessions in ${workspace} yet: \`spark\` starts one.`);
  const target = id !== undefined ? findSession(sessions, id) : options.last ? sessions[0] : undefined;
  if (!interactive) throw new UsageError("spark resume reopens a session in the interactive terminal UI: run it in a terminal (`spark resume --list` prints the list).");
  const { openSession } = await import("../session/open-session.js");
  // The session goes on with the model it was saved with (its label is a name `-m` takes), unless -m says otherwise.
  const model = options.model ?? target?.model;
  return openSession({ ...options, cwd, ...(model !== undefined ? { model } : {}), ...(target ? { resumeId: target.id } : { pickSession: true }) });
}
