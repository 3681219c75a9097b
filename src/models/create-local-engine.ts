import type { LocalEngine } from "./local-engine-handle.js";

export interface LocalEngineSettings {
  threads?: number | undefined;
  gpu?: boolean | undefined;
  sequences?: number | undefined;
  /** Keeps conversations' KV states in `dir` between processes, at most `maxBytes` (0: off). */
  kvCache?: { dir: string; maxBytes: number; note?: (message: string) => void } | undefined;
}

/**
 * Loads the native engine only when a local model is used, so remote-only commands start fast and do
 * not touch llama.cpp at all.
 */
export async function createLocalEngine(options: LocalEngineSettings): Promise<LocalEngine> {
  const { LocalEngine, defaultThreads } = await import("./providers/local/index.js");
  return new LocalEngine({
    threads: options.threads ?? defaultThreads(),
    gpu: options.gpu ?? false,
    ...(options.sequences ? { sequences: options.sequences } : {}),
    ...(options.kvCache ? { kvCache: options.kvCache } : {}),
  });
}
