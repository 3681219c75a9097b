import { applyPatchTool } from "./apply-patch-tool.js";
import { editFileTool } from "./edit-file-tool.js";
import { listFilesTool } from "./list-files-tool.js";
import { readFileTool } from "./read-file-tool.js";
import { searchTool } from "./search-tool.js";
import { shellTool } from "./shell-tool.js";
import { strReplaceTool } from "./str-replace-tool.js";
import type { Tool } from "./tool.js";

export const defaultTools: readonly Tool[] = [readFileTool, listFilesTool, searchTool, applyPatchTool, strReplaceTool, editFileTool, shellTool];
export type { ApprovalRequest, FileChange, LazyEditRequest, Tool, ToolContext, ToolResult } from "./tool.js";
export { patchToolResult } from "./patch-tool-result.js";
