export { LocalModelClient, type LocalClientOptions } from "./local-client.js";
export { LocalEngine, type LoadedModel, type LoadOptions, type LocalEngineOptions } from "./local-engine.js";
export { defaultThreads, usableCores } from "./usable-cores.js";
