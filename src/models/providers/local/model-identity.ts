import { createHash } from "node:crypto";
import { open, realpath } from "node:fs/promises";

/** Bytes of the file's start that are hashed: the GGUF header, its metadata and the first tensors. */
const headerBytes = 1 << 20;

/**
 * What a saved KV state depends on: the model file (real path, size, modification time and a hash of its
 * first MiB) and the engine that wrote it. A file replaced, rewritten or touched gets a new identity, so
 * states saved for the old one are never loaded into the new one.
 */
export async function modelIdentity(path: string, engineVersion: string): Promise<string> {
  const real = await realpath(path);
  const file = await open(real, "r");
  try {
    const stat = await file.stat();
    const head = Buffer.alloc(Math.min(headerBytes, stat.size));
    await file.read(head, 0, head.length, 0);
    const headHash = createHash("sha256").update(head).digest("hex");
    return createHash("sha256")
      .update(JSON.stringify([real, stat.size, stat.mtimeMs, headHash, engineVersion]))
      .digest("hex");
  } finally {
    await file.close();
  }
}
