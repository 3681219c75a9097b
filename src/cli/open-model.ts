import type { LoadedConfig } from "../config/index.js";
import { createLocalEngine, createModelClient, resolveModel, type ClientDependencies, type LocalEngine, type ModelClient, type ResolvedModel } from "../models/index.js";
import { downloadProgressPrinter } from "./download-progress.js";
import { loadWithFlags, printConfigWarnings, type GlobalOptions } from "./global-options.js";

export interface OpenModel {
  client: ModelClient;
  resolved: ResolvedModel;
  loaded: LoadedConfig;
  /** Opens another model with the same config and local engine (the one that compacts, for instance); closed by dispose. */
  openAnother(name: string): Promise<ModelClient>;
  /** Closes the client and unloads the local engine if one was started. */
  dispose(): Promise<void>;
}

/** What every client of one command shares: the config, one lazily started local engine, retries. */
export function clientDependencies(loaded: LoadedConfig, signal?: AbortSignal): { deps: ClientDependencies; disposeEngine(): Promise<void> } {
  let engine: Promise<LocalEngine> | undefined;
  const local = loaded.config.local;
  const deps: ClientDependencies = {
    env: process.env,
    localEngine: () => (engine ??= createLocalEngine({ threads: local?.threads, gpu: local?.gpu, sequences: local?.sequences })),
    onDownloadProgress: downloadProgressPrinter(),
    ...(local?.speculation === false ? { speculation: false } : {}),
    ...(loaded.config.network?.max_retries !== undefined ? { maxRetries: loaded.config.network.max_retries } : {}),
    ...(loaded.config.network?.timeout_ms !== undefined ? { timeoutMs: loaded.config.network.timeout_ms } : {}),
    ...(signal ? { signal } : {}),
  };
  return { deps, disposeEngine: async () => void (engine && (await (await engine).dispose())) };
}

/**
 * Config, then `-m`, then the client: the start of every command that talks to a model. The config's
 * warnings are printed first, so they show even when the model then cannot be opened; an agent command
 * passes `printWarnings: false` because startAgentMcp reports them.
 */
export async function openModel(options: GlobalOptions, signal?: AbortSignal, printWarnings = true): Promise<OpenModel> {
  const loaded = loadWithFlags(options);
  if (printWarnings) printConfigWarnings(loaded);
  const resolved = resolveModel(options.model, { loaded, env: process.env, cwd: process.cwd() });
  const { deps, disposeEngine } = clientDependencies(loaded, signal);
  const client = await createModelClient(resolved, deps);
  const others: ModelClient[] = [];
  return {
    client,
    resolved,
    loaded,
    openAnother: async (name) => {
      const other = await createModelClient(resolveModel(name, { loaded, env: process.env, cwd: process.cwd() }), deps);
      others.push(other);
      return other;
    },
    dispose: async () => {
      await Promise.allSettled([client, ...others].map((each) => each.close()));
      await disposeEngine();
    },
  };
}
