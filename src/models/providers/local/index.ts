export { LocalModelClient } from "./local-client.js";
export { LocalEngine, type LocalEngineOptions, type LoadedModel } from "./local-engine.js";
export { defaultThreads, usableCores } from "./usable-cores.js";
