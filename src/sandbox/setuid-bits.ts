import { chmod } from "node:fs/promises";
import { errorMessage } from "../core/index.js";
import type { WorkspaceScan } from "./workspace-scan.js";

const SET_ID_BITS = 0o6000;

/**
 * A setuid or setgid file in the workspace runs as its owner for whoever starts it: as uid 0, `cp /bin/cat
 * suidcat; chmod 4755 suidcat` lets any user read /etc/shadow; as a normal user, other users run as that
 * user. Nothing in a project needs it, so after each command both bits are cleared from every regular file
 * the scan listed. The command has ended (its PID namespace with it), so no file changes under the chmod.
 * Returns one line per change, for the command's output.
 */
export async function clearSetIdBits(scan: WorkspaceScan): Promise<string[]> {
  const notes: string[] = [];
  for (const entry of scan.entries) {
    if (entry.type !== "f" || (entry.mode & SET_ID_BITS) === 0) continue;
    try {
      await chmod(entry.path, entry.mode & ~SET_ID_BITS);
      notes.push(`cleared the setuid/setgid bits of ${entry.rel}: it would run as its owner for anyone who starts it`);
    } catch (error) {
      notes.push(`could not clear the setuid/setgid bits of ${entry.rel} (${errorMessage(error)}); remove that file`);
    }
  }
  return notes;
}
