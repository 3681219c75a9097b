export type { AgentEvent, AgentStatus } from "./agent-events.js";
export { collectAgentsInstructions } from "./agents-md.js";
export { runAgent, type AgentOptions } from "./run-agent.js";
export { systemPrompt } from "./system-prompt.js";
export { toolError } from "./tools/tool.js";
export { defaultTools, patchToolResult, type ApprovalRequest, type FileChange, type LazyEditRequest, type Tool, type ToolContext, type ToolResult } from "./tools/index.js";
export { findWorkspaceRoot } from "./find-workspace-root.js";
export { compactConversation, contextDefaults, defaultReserve, promptBudget, type Compaction, type ContextEvent, type ContextPolicy } from "./context/index.js";
