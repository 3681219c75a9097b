import { realpath } from "node:fs/promises";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import {
  DraftSequenceTokenPredictor,
  getLlama,
  InputLookupTokenPredictor,
  LlamaChat,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaModel,
} from "node-llama-cpp";
import { errorMessage, ModelError, SparkError } from "../../../core/index.js";
import type { LocalEngine as LocalEngineHandle } from "../../local-engine-handle.js";
import { defaultDraftPolicy, PredictionFollower, RequestPredictor } from "../../../speed/speculation/index.js";
import { checkGgufFile } from "./check-gguf-file.js";
import { splicingWrapper } from "./held-tokens.js";
import { KvCacheStore, type KvCacheOptions } from "./kv-cache-store.js";
import { KvPersistence } from "./kv-persistence.js";
import { modelIdentity } from "./model-identity.js";
import { SequencePool, type Slot } from "./sequence-pool.js";
import { vocabularyMismatch } from "./vocabulary-match.js";

export interface LocalEngineOptions {
  threads: number;
  gpu: boolean;
  /** Context sequences per model: parallel requests, and conversations whose cache is kept. Default 2. */
  sequences?: number;
  /** Where conversations' KV states are kept between processes (the user's config only); absent: not kept. */
  kvCache?: (KvCacheOptions & { idleMs?: number | undefined }) | undefined;
}

export interface LoadOptions {
  /** Tokens per sequence; by default the model's training context, at most 8,192. */
  contextSize?: number;
  /** A small GGUF with the same vocabulary that drafts tokens for this model. */
  draftModelPath?: string;
}

/** A model loaded into memory with its pool of context sequences. */
export interface LoadedModel {
  path: string;
  model: LlamaModel;
  draftModel?: LlamaModel;
  pool: SequencePool;
  contextSize: number;
  /** Saves and restores the pool's states on disk, when a KV cache directory is configured. */
  persistence?: KvPersistence;
  /** The model's chat template (resolved on first use), rendering prompts as text. */
  chatWrapper(): ChatWrapper;
}

const defaultMaxContext = 8192;
/**
 * Most tokens a draft model drafts per step: each costs it a decode step of its own, so it stops at 16,
 * where verification already gives most of what longer batches give. A prediction or prompt lookup drafts
 * for free, up to the draft policy's longest draft; RequestPredictor shrinks drafts after misses either way.
 */
const maxDraftModelTokens = 16;

/**
 * The embedded llama.cpp engine: one Llama binding and one loaded model per file (and options) per
 * process, shared by every client that names the same file. Created by the caller, never global.
 */
export class LocalEngine implements LocalEngineHandle {
  private llama: Promise<Llama> | undefined;
  private readonly models = new Map<string, Promise<LoadedModel>>();
  /** Set when llama.cpp failed to load a file: its half-built model makes `llama.dispose()` wait forever. */
  private loadFailed = false;
  private readonly kvStore: KvCacheStore | undefined;

  constructor(private readonly options: LocalEngineOptions) {
    this.kvStore = options.kvCache && options.kvCache.maxBytes > 0 ? new KvCacheStore(options.kvCache) : undefined;
  }

  /** The engine behind a handle from createLocalEngine; any other object is a programming error. */
  static of(handle: LocalEngineHandle): LocalEngine {
    if (handle instanceof LocalEngine) return handle;
    throw new SparkError("internal", "A local engine handle must come from createLocalEngine.");
  }

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

  /** Loads the model at `path` once per set of options; later calls get the same instance. */
  async load(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
    await checkGgufFile(path);
    if (options.draftModelPath) await checkGgufFile(options.draftModelPath, "draft model");
    const real = await realpath(path);
    const draft = options.draftModelPath ? await realpath(options.draftModelPath) : undefined;
    const key = JSON.stringify([real, options.contextSize, draft]);
    let loaded = this.models.get(key);
    if (!loaded) {
      loaded = this.loadUncached(real, { ...options, ...(draft ? { draftModelPath: draft } : {}) });
      this.models.set(key, loaded);
      loaded.catch(() => this.models.delete(key));
    }
    return loaded;
  }

  private async loadFile(path: string): Promise<LlamaModel> {
    const llama = await this.binding();
    try {
      return await llama.loadModel({ modelPath: path });
    } catch (error) {
      this.loadFailed = true;
      throw new ModelError(
        "model_file_invalid",
        `Cannot load ${path}: ${errorMessage(error)}. The file may be truncated or corrupt; download it again or pick another GGUF file.`,
        { cause: error },
      );
    }
  }

  private async createContext(model: LlamaModel, contextSize: number): Promise<LlamaContext> {
    return model.createContext({ contextSize, threads: this.options.threads, sequences: this.options.sequences ?? 2 });
  }

  private async draftContext(target: LlamaModel, draftPath: string, contextSize: number): Promise<LlamaContext> {
    const draft = await this.loadFile(draftPath);
    try {
      const mismatch = vocabularyMismatch(target, draft);
      if (mismatch) {
        throw new ModelError("model_file_invalid", `${draftPath} cannot draft for ${target.filename ?? "this model"}: ${mismatch}. A draft model must share the target's vocabulary (usually a smaller model of the same family).`);
      }
      return await this.createContext(draft, contextSize);
    } catch (error) {
      await draft.dispose();
      throw error;
    }
  }

  /** Loads the model and its sequences; what was loaded is unloaded again if a later step fails. */
  private async loadUncached(path: string, options: LoadOptions): Promise<LoadedModel> {
    const model = await this.loadFile(path);
    try {
      return await this.prepare(path, model, options);
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  private async prepare(path: string, model: LlamaModel, options: LoadOptions): Promise<LoadedModel> {
    const contextSize = options.contextSize ?? Math.min(model.trainContextSize, defaultMaxContext);
    const draft = options.draftModelPath ? await this.draftContext(model, options.draftModelPath, contextSize) : undefined;
    const context = await this.createContext(model, contextSize).catch(async (error: unknown) => {
      await draft?.model.dispose();
      throw error;
    });
    // Resolving the chat template renders it many times, synchronously (about a second of CPU for a small
    // template), so it is done once per model and shared by every sequence. A model without infill tokens
    // prompts everything through it: resolved now, so its first answer does not wait for it. A model with
    // them may never need it (an editor's completions fill in the middle): resolved on the first chat
    // prompt, so the load, and the event loop of the process around it, never pays for it.
    let resolved: ChatWrapper | undefined;
    const chatWrapper = (): ChatWrapper => (resolved ??= resolveChatWrapper(model));
    if (model.tokens.infill.prefix === null || model.tokens.infill.suffix === null) {
      await yieldToEventLoop();
      chatWrapper();
    }
    const slots: Slot[] = [];
    for (let index = 0; index < context.totalSequences; index++) {
      await yieldToEventLoop();
      const predictor = new RequestPredictor({
        prediction: new PredictionFollower(defaultDraftPolicy.maxLength),
        inputLookup: new InputLookupTokenPredictor({ predictionLength: { max: defaultDraftPolicy.maxLength } }),
        ...(draft ? { draft: new DraftSequenceTokenPredictor(draft.getSequence(), { minTokens: 4, maxTokens: maxDraftModelTokens }) } : {}),
      });
      const sequence = context.getSequence({ tokenPredictor: predictor });
      let chat: LlamaChat | undefined;
      const slot: Slot = {
        sequence,
        get chat(): LlamaChat {
          // Each rendering is spliced onto what this sequence holds, so its reuse check sees the generated tokens.
          chat ??= new LlamaChat({ contextSequence: sequence, chatWrapper: splicingWrapper(chatWrapper(), () => slot.transcript) });
          return chat;
        },
        completion: new LlamaCompletion({ contextSequence: sequence }),
        predictor,
        lastUsed: 0,
        busy: false,
      };
      slots.push(slot);
    }
    const pool = new SequencePool(slots);
    const persistence = await this.persistence(path, model, pool, context.contextSize);
    return { path, model, ...(draft ? { draftModel: draft.model } : {}), pool, contextSize: context.contextSize, ...(persistence ? { persistence } : {}), chatWrapper };
  }

  /** The model's disk cache, keyed by the file's identity; a file that cannot be identified is not cached. */
  private async persistence(path: string, model: LlamaModel, pool: SequencePool, contextSize: number): Promise<KvPersistence | undefined> {
    const kv = this.options.kvCache;
    if (!this.kvStore || !kv) return undefined;
    try {
      const identity = await modelIdentity(path, `node-llama-cpp llama.cpp ${model.llama.llamaCppRelease.release}`);
      return new KvPersistence(this.kvStore, identity, pool, { contextSize, maxBytes: kv.maxBytes, idleMs: kv.idleMs }, kv.note);
    } catch (error) {
      kv.note?.(`${path} is not cached: ${errorMessage(error)}`);
      return undefined;
    }
  }

  async dispose(): Promise<void> {
    const models = await Promise.allSettled(this.models.values());
    for (const result of models) {
      if (result.status !== "fulfilled") continue;
      // Every unsaved conversation goes to disk before its sequences go away.
      await result.value.persistence?.flush();
      await result.value.model.dispose();
      await result.value.draftModel?.dispose();
    }
    this.models.clear();
    // After a failed load the binding is left to process exit rather than hang here.
    if (this.llama && !this.loadFailed) await (await this.llama).dispose();
    this.llama = undefined;
  }
}
