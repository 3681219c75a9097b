export { McpConnections, type McpStartOptions } from "./mcp-connections.js";
export { mcpToolName } from "./mcp-tool.js";
