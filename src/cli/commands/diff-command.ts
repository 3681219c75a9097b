import { nodePatchFs, openWorkspace, sessionDiff, type SessionDiff } from "../../edits/index.js";
import type { CheckpointStore } from "../../store/index.js";
import { workspaceOption } from "./apply-command.js";
import { withStores } from "../common/with-stores.js";
import { exitCodes } from "../common/exit-codes.js";
import { matchSessionPrefix } from "./session-id-prefix.js";

export interface DiffCommandOptions {
  cwd?: string;
  session?: string;
  stat?: boolean;
  json?: boolean;
}

/** `spark diff`: what the checkpoints still in effect changed, from before the first one to the files now. */
export async function diffCommand(options: DiffCommandOptions): Promise<number> {
  const workspace = await workspaceOption(options.cwd);
  const diff = await withStores(async (stores) => {
    const sessionId = options.session === undefined ? undefined : await fullSessionId(workspace, stores.checkpoints, options.session);
    return sessionDiff({ workspace, store: stores.checkpoints, sessionId });
  });
  if (options.json) process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
  else if (options.stat) process.stdout.write(formatStat(diff));
  else process.stdout.write(diff.text);
  if (!options.json && diff.files.length === 0) process.stderr.write(noChanges(diff, options.session));
  return exitCodes.ok;
}

/** Why there is nothing to show; for `--session`, about that session, not the workspace (others may have patches). */
function noChanges(diff: SessionDiff, session: string | undefined): string {
  if (diff.checkpointIds.length > 0) return "No changes: the files are as they were before the patches.\n";
  if (session !== undefined) return `No changes: no patch of a session "${session}" is still in effect here (\`spark undo --list\` shows the checkpoints; \`spark resume --list\` the sessions).\n`;
  return "No changes: no patch applied here is still in effect.\n";
}

/**
 * `--session` takes the first characters of an id, as `spark resume` does and as the agent's summary prints
 * them, matched against the sessions whose patches are still in effect here. An id no such session has is
 * kept as given: it has no changes to show, which is what the command then says.
 */
async function fullSessionId(workspace: string, store: CheckpointStore, prefix: string): Promise<string> {
  const { root } = await openWorkspace(workspace, nodePatchFs);
  const sessionIds = [...new Set(store.active({ workspace: root }).flatMap((checkpoint) => checkpoint.sessionId ?? []))];
  return matchSessionPrefix(sessionIds, prefix, (id) => id) ?? prefix;
}

function formatStat(diff: SessionDiff): string {
  if (diff.files.length === 0) return "";
  const width = Math.max(...diff.files.map((file) => file.path.length));
  const lines = diff.files.map((file) => {
    const what = file.binary ? "binary" : `+${file.added} -${file.removed}`;
    return ` ${file.path.padEnd(width)}  ${what}${file.change === "modified" ? "" : ` (${file.change})`}`;
  });
  const added = diff.files.reduce((sum, file) => sum + file.added, 0);
  const removed = diff.files.reduce((sum, file) => sum + file.removed, 0);
  lines.push(` ${diff.files.length} file${diff.files.length === 1 ? "" : "s"} changed, +${added} -${removed}`);
  return `${lines.join("\n")}\n`;
}
