import { execFile } from "node:child_process";
import type { PrivateEntries } from "./private-entries.js";

const TIMEOUT_MS = 20_000;
/** Deep enough for nvm's `versions/node/v20/etc/npmrc`; what lies deeper is left as it is. */
const MAX_DEPTH = 8;

/**
 * Folders of installed code, not of anyone's credentials: each match is a mount for every command, and
 * python's own test data alone holds a hundred `*.pem` files.
 */
const PRUNED = ["node_modules", ".git", "__pycache__", "site-packages", "dist-packages", "test", "tests"];
/** Names that commonly hold a token or key, as find -iname patterns. */
const CREDENTIAL_NAMES = ["npmrc", ".npmrc", ".pypirc", "credentials*", ".env", ".env.*", "*.pem", "*token*", ".git-credentials", ".netrc"];
/**
 * Names that match but are code or public data a toolchain needs: python's `token.py` and `tokenize.py`,
 * botocore's `credentials.py`, certifi's `cacert.pem` (the public CA bundle pip and requests use).
 */
const NEEDED = /\.(py|pyc|pyi|pyo|js|mjs|cjs|ts|mts|cts|jsx|tsx|d\.ts|map|rs|rlib|rmeta|go|rb|h|hpp|c|cc|cpp|so|dylib|a|o|html|md|rst|txt|1|gz)$|^cacert\.pem$|^ca-bundle/i;

/**
 * Files and folders in a toolchain bound from a home whose name says they hold credentials (an npm token in
 * `~/.nvm/versions/node/v20/etc/npmrc`, `~/.cargo/credentials.toml`, a `.env`), even when other users may
 * read them. A native find, bounded in depth and time, that never goes into the PRUNED folders;
 * a scan cut short hides what it found so far.
 */
export function findCredentialFiles(dir: string): Promise<PrivateEntries> {
  const names = CREDENTIAL_NAMES.flatMap((name, index) => (index === 0 ? ["-iname", name] : ["-o", "-iname", name]));
  const args = [dir, "-xdev", "-maxdepth", String(MAX_DEPTH), "(", ...PRUNED.flatMap((name, index) => (index === 0 ? ["-name", name] : ["-o", "-name", name])), ")", "-prune", "-o"];
  args.push("(", ...names, ")", "(", "-type", "f", "-printf", "f%p\\0", "-o", "-type", "d", "-printf", "d%p\\0", "-prune", ")");
  return new Promise((done) => {
    execFile("find", args, { timeout: TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" } }, (_error, stdout) => {
      const found: PrivateEntries = { files: [], dirs: [] };
      const records = stdout.split("\0");
      records.pop();
      for (const record of records) {
        const path = record.slice(1);
        if (NEEDED.test(path.slice(path.lastIndexOf("/") + 1))) continue;
        (record.startsWith("d") ? found.dirs : found.files).push(path);
      }
      done(found);
    });
  });
}
