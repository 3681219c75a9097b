import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary folder; `close` removes it with all it holds. */
export interface TempDir {
  dir: string;
  close: () => void;
}

export function openTempDir(prefix: string): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, close: () => rmSync(dir, { recursive: true, force: true }) };
}
