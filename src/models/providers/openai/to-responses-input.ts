import type { FunctionTool, ResponseInputItem } from "openai/resources/responses/responses";
import type { Message, ToolDefinition } from "../../../core/index.js";

/** Our messages as Responses API input items; tool calls and results become function_call items. */
export function toResponsesInput(messages: Message[]): ResponseInputItem[] {
  return messages.flatMap((message): ResponseInputItem[] => {
    switch (message.role) {
      case "tool":
        return [{ type: "function_call_output", call_id: message.toolCallId, output: message.content }];
      case "assistant": {
        const calls = (message.toolCalls ?? []).map(
          (call): ResponseInputItem => ({ type: "function_call", call_id: call.id, name: call.name, arguments: call.arguments }),
        );
        const text: ResponseInputItem[] = message.content ? [{ role: "assistant", content: message.content }] : [];
        return [...text, ...calls];
      }
      default:
        return [{ role: message.role, content: message.content }];
    }
  });
}

export function toResponsesTools(tools: ToolDefinition[]): FunctionTool[] {
  return tools.map((tool) => ({
    type: "function",
    name: tool.name,
    description: tool.description,
    parameters: tool.parameters,
    strict: false,
  }));
}
