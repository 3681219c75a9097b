export { ModelRuntime, type ModelRole, type OpenedModel, type RuntimeOptions } from "./model-runtime.js";
export { ModelSwitcher } from "./model-switcher.js";
export { agentContextPolicy } from "./agent-context.js";
export { startAgentMcp } from "./agent-mcp.js";
export {
  agentCallSettings,
  agentSystemPrompt,
  agentToolContext,
  applyInWorkspace,
  prepareAgentWiring,
  sandboxFor,
  startSavedSession,
  type AgentWiring,
  type AgentWiringOptions,
} from "./agent-wiring.js";
export { checkRunnerFor, checksFor, escalationPolicyFrom, maxRoundsFrom, pricesFrom, reviewerFor, type ReviewFlags } from "./review-wiring.js";
