import type { LocalEngine } from "./local-engine-handle.js";

/**
 * Loads the native engine only when a local model is used, so remote-only commands start fast and do
 * not touch llama.cpp at all.
 */
export async function createLocalEngine(options: { threads?: number | undefined; gpu?: boolean | undefined; sequences?: number | undefined }): Promise<LocalEngine> {
  const { LocalEngine, defaultThreads } = await import("./providers/local/index.js");
  return new LocalEngine({ threads: options.threads ?? defaultThreads(), gpu: options.gpu ?? false, ...(options.sequences ? { sequences: options.sequences } : {}) });
}
