import { realpath } from "node:fs/promises";
import { getLlama, LlamaChat, LlamaLogLevel, type Llama, type LlamaContextSequence, type LlamaModel } from "node-llama-cpp";
import { ModelError } from "../../../core/index.js";
import { checkGgufFile } from "./check-gguf-file.js";

export interface LocalEngineOptions {
  threads: number;
  gpu: boolean;
}

/** A model loaded into memory with one context sequence and the chat driver on it. */
export interface LoadedModel {
  path: string;
  model: LlamaModel;
  sequence: LlamaContextSequence;
  chat: LlamaChat;
  contextSize: number;
}

const defaultMaxContext = 8192;

/**
 * The embedded llama.cpp engine: one Llama binding and one loaded model per file per process, shared by
 * every client that names the same file. Created by the caller and passed in, never global.
 */
export class LocalEngine {
  private llama: Promise<Llama> | undefined;
  private readonly models = new Map<string, Promise<LoadedModel>>();
  /** Set when llama.cpp failed to load a file: its half-built model makes `llama.dispose()` wait forever. */
  private loadFailed = false;

  constructor(private readonly options: LocalEngineOptions) {}

  get threads(): number {
    return this.options.threads;
  }

  private binding(): Promise<Llama> {
    this.llama ??= getLlama({
      gpu: this.options.gpu ? "auto" : false,
      // Never compile or download llama.cpp at run time: the prebuilt binary ships in an npm package.
      build: "never",
      skipDownload: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      maxThreads: this.options.threads,
    });
    return this.llama;
  }

  /**
   * Loads the model at `path` once; later calls get the same instance. `contextSize` (tokens) applies to
   * the first load; by default the model's training context, at most 8,192.
   */
  async load(path: string, contextSize?: number): Promise<LoadedModel> {
    await checkGgufFile(path);
    const key = await realpath(path);
    let loaded = this.models.get(key);
    if (!loaded) {
      loaded = this.loadUncached(key, contextSize);
      this.models.set(key, loaded);
      loaded.catch(() => this.models.delete(key));
    }
    return loaded;
  }

  private async loadUncached(path: string, requestedContextSize: number | undefined): Promise<LoadedModel> {
    const llama = await this.binding();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: path });
    } catch (error) {
      this.loadFailed = true;
      throw new ModelError(
        "model_file_invalid",
        `Cannot load ${path}: ${(error as Error).message}. The file may be truncated or corrupt; download it again or pick another GGUF file.`,
        { cause: error },
      );
    }
    const contextSize = requestedContextSize ?? Math.min(model.trainContextSize, defaultMaxContext);
    const context = await model.createContext({ contextSize, threads: this.options.threads, sequences: 1 });
    const sequence = context.getSequence();
    const chat = new LlamaChat({ contextSequence: sequence });
    return { path, model, sequence, chat, contextSize: context.contextSize };
  }

  async dispose(): Promise<void> {
    const models = await Promise.allSettled(this.models.values());
    for (const result of models) if (result.status === "fulfilled") await result.value.model.dispose();
    this.models.clear();
    // After a failed load the binding is left to process exit rather than hang here.
    if (this.llama && !this.loadFailed) await (await this.llama).dispose();
    this.llama = undefined;
  }
}
