/**
 * The process's embedded engine as the rest of Spark holds it: made by createLocalEngine, handed back to
 * createModelClient (through ClientDependencies.localEngine) and disposed by its owner. What is inside
 * (llama.cpp bindings, loaded models, sequences) stays in models/providers/local.
 */
export interface LocalEngine {
  /** Unloads every model and the llama.cpp binding. */
  dispose(): Promise<void>;
}
