export { capToolOutput, type OutputLimits } from "./cap-tool-output.js";
export { compactConversation, type Compaction, type CompactOptions } from "./compact-conversation.js";
export { contextDefaults, countRequestTokens, defaultReserve, promptBudget, toolOutputLimits, type ContextPolicy } from "./context-policy.js";
export { stateMarker } from "./conversation-facts.js";
export { estimateRequestTokens, estimateTextTokens } from "./estimate-tokens.js";
export { fitContext, type ContextEvent, type FitResult } from "./fit-context.js";
