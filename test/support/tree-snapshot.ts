import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/** Every file and directory under `root`: relative path -> "dir", or base64 bytes and permission bits. */
export async function treeSnapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const key = relative(root, path);
      if (entry.isDirectory()) {
        out[key] = "dir";
        await walk(path);
      } else {
        out[key] = `${(await readFile(path)).toString("base64")} ${((await stat(path)).mode & 0o7777).toString(8)}`;
      }
    }
  };
  await walk(root);
  return out;
}
