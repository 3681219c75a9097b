import type { FinishReason } from "../../../core/index.js";

/** node-llama-cpp's stop reasons (LlamaChat's and LlamaCompletion's) as Spark's finish reasons. */
export const stopReasons: Record<string, FinishReason> = {
  eogToken: "stop",
  stopGenerationTrigger: "stop",
  customStopTrigger: "stop",
  maxTokens: "length",
  functionCalls: "tool-calls",
  abort: "abort",
};
