import { open, stat } from "node:fs/promises";
import { ModelError } from "../../../core/index.js";

/**
 * Fails fast, with a message that says what to do, on a path that is missing or not a GGUF file,
 * before llama.cpp gets it (its own errors do not say which file or why).
 */
export async function checkGgufFile(path: string, role: "model" | "draft model" = "model"): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile() && role === "draft model") {
    throw new ModelError("model_file_missing", `Draft model file ${path} does not exist. Check the path given with --draft-model (or draft_model in config).`);
  }
  if (!info?.isFile()) {
    throw new ModelError("model_file_missing", `Model file ${path} does not exist. Check the path after "local:", or download a GGUF model (for example with -m hf:OWNER/REPO/FILE.gguf).`);
  }
  const handle = await open(path, "r");
  try {
    const header = Buffer.alloc(8);
    const { bytesRead } = await handle.read(header, 0, 8, 0);
    if (bytesRead < 8 || header.toString("latin1", 0, 4) !== "GGUF") {
      throw new ModelError("model_file_invalid", `${path} is not a GGUF model file (it does not start with the GGUF signature). Spark's local engine loads GGUF files only; convert the model or pick a .gguf file.`);
    }
    const version = header.readUInt32LE(4);
    if (version < 2 || version > 3) {
      throw new ModelError("model_file_invalid", `${path} is GGUF version ${version}; the local engine reads versions 2 and 3. Use a newer conversion of the model.`);
    }
  } finally {
    await handle.close();
  }
}
