import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from "node:path";
import { isInside } from "../core/index.js";
import type { PatchFs } from "./patch-fs.js";
import { PatchError, errnoCode, toPatchIoError } from "./patch-error.js";

/**
 * Keeps every path a patch names inside the workspace. A patch is model output, so its paths are
 * untrusted: absolute paths, `..` that climbs out, and symbolic links (the file itself or any parent
 * directory) that lead outside are refused before anything is read or written.
 */

export interface Workspace {
  /** The workspace directory with every symlink resolved; all checks compare against it. */
  readonly root: string;
}

export interface WorkspacePath {
  /** The path as the report shows it: relative to the workspace, normalised, with "/" separators. */
  display: string;
  /**
   * Absolute path after resolving every symlink, including a dangling last one: what is really read,
   * written or deleted (so editing through a link inside the workspace keeps the link).
   */
  real: string;
}

const MAX_SYMLINK_HOPS = 40;
/** Linux's NAME_MAX and a margin under PATH_MAX for the workspace's own path: longer fails with ENAMETOOLONG. */
const MAX_NAME_BYTES = 255;
const MAX_PATH_BYTES = 3072;
/**
 * C0 and C1 controls, text-direction overrides and isolates (U+202A-202E, U+2066-2069, U+200E/F, U+061C),
 * zero-width characters (U+200B-200D, U+2060, U+FEFF): in a name they make a path look like another one.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const DISGUISING_CHARACTER = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/u;

export async function openWorkspace(workspace: string, fs: PatchFs): Promise<Workspace> {
  let root: string;
  try {
    root = await fs.realpath(resolve(workspace));
  } catch (error) {
    throw new PatchError("file_missing", `The workspace ${workspace} does not exist or cannot be read.`, { cause: error });
  }
  const stats = await fs.stat(root);
  if (!stats.isDirectory()) throw new PatchError("not_a_file", `The workspace ${workspace} is not a directory.`);
  return { root };
}

export async function resolveWorkspacePath(workspace: Workspace, patchPath: string, fs: PatchFs): Promise<WorkspacePath> {
  const display = checkLexicalPath(patchPath);
  const lexical = join(workspace.root, display);
  const real = await resolveReal(lexical, fs, patchPath, 0);
  if (!isInside(workspace.root, real)) {
    throw new PatchError(
      "path_escape",
      `${patchPath} leads outside the workspace through a symbolic link (it resolves to ${real}); Spark only edits files inside the workspace.`,
    );
  }
  return { display, real };
}

/** Refuses what is wrong with the text of the path alone; returns it normalised and relative. */
function checkLexicalPath(patchPath: string): string {
  const refuse = (why: string): never => {
    throw new PatchError("path_escape", `${JSON.stringify(patchPath)} ${why}`);
  };
  if (patchPath.trim() === "") refuse("is not a file path.");
  if (patchPath.includes("\0")) refuse("contains a NUL character.");
  const disguise = DISGUISING_CHARACTER.exec(patchPath);
  if (disguise !== null) {
    const code = `U+${(disguise[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new PatchError("unsafe_name", `${JSON.stringify(patchPath)} contains ${code}, a control, invisible or text-direction character that disguises what the path really is; Spark refuses such names. Use a plain name.`);
  }
  if (patchPath.startsWith("~")) refuse("starts with '~'; write the path relative to the workspace root.");
  if (isAbsolute(patchPath) || /^[A-Za-z]:[\\/]/.test(patchPath) || patchPath.startsWith("\\\\")) {
    refuse("is an absolute path; patch paths must be relative to the workspace root.");
  }
  const normalized = normalize(patchPath).replace(/\/+$/, "");
  if (normalized === ".." || normalized.startsWith(`..${sep}`)) refuse("uses '..' to leave the workspace; Spark only edits files inside it.");
  if (normalized === "." || normalized === "") refuse("names the workspace directory itself, not a file.");
  if (Buffer.byteLength(normalized) > MAX_PATH_BYTES || normalized.split(sep).some((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)) {
    throw new PatchError("unsafe_name", `${JSON.stringify(patchPath.slice(0, 80))}... is too long for a file path (at most ${MAX_NAME_BYTES} bytes per name and ${MAX_PATH_BYTES} in all); use a shorter name.`);
  }
  return normalized.split(sep).join("/");
}


/**
 * realpath() that also works for paths that do not exist yet: the missing tail is appended to the real
 * path of the deepest existing ancestor, and a dangling symlink is followed to where it would create.
 */
async function resolveReal(path: string, fs: PatchFs, patchPath: string, hops: number): Promise<string> {
  if (hops > MAX_SYMLINK_HOPS) {
    throw new PatchError("path_escape", `${patchPath} goes through too many symbolic links (a loop?).`);
  }
  try {
    return await fs.realpath(path);
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ELOOP") throw new PatchError("path_escape", `${patchPath} goes through a symbolic link loop.`, { cause: error });
    if (code !== "ENOENT" && code !== "ENOTDIR") throw toPatchIoError(error, "resolve", patchPath);
  }
  const link = await readLinkIfAny(path, fs);
  if (link !== undefined) return resolveReal(resolve(dirname(path), link), fs, patchPath, hops + 1);
  const parent = dirname(path);
  if (parent === path) return path;
  return join(await resolveReal(parent, fs, patchPath, hops), basename(path));
}

async function readLinkIfAny(path: string, fs: PatchFs): Promise<string | undefined> {
  try {
    const stats = await fs.lstat(path);
    return stats.isSymbolicLink() ? await fs.readlink(path) : undefined;
  } catch {
    return undefined;
  }
}
