export { McpConnections, type McpStartOptions } from "./mcp-connections.js";
export { mcpToolName } from "./mcp-tool.js";
export { createSparkMcpServer, type CompletionOutcome, type CompletionRequest, type PatchOutcome, type SparkMcpDeps } from "./spark-mcp-server.js";
