import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions } from "node-llama-cpp";
import type { Message, ToolDefinition } from "../../../core/index.js";

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Our messages as node-llama-cpp chat history. Tool results belong to the model turn that called them
 * (node-llama-cpp renders a call and its result together), and the history ends with an empty model
 * turn for the engine to fill.
 */
export function toChatHistory(messages: Message[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const pendingCalls = new Map<string, ChatModelFunctionCall>();
  for (const message of messages) {
    if (message.role === "system") history.push({ type: "system", text: message.content });
    else if (message.role === "user") history.push({ type: "user", text: message.content });
    else if (message.role === "assistant") {
      const calls = (message.toolCalls ?? []).map((call): ChatModelFunctionCall => {
        const item: ChatModelFunctionCall = { type: "functionCall", name: call.name, params: parseArguments(call.arguments), result: "" };
        pendingCalls.set(call.id, item);
        return item;
      });
      history.push({ type: "model", response: [...(message.content ? [message.content] : []), ...calls] });
    } else {
      const call = pendingCalls.get(message.toolCallId);
      if (call) call.result = message.content;
    }
  }
  history.push({ type: "model", response: [] });
  return history;
}

export function toChatFunctions(tools: ToolDefinition[]): ChatModelFunctions {
  return Object.fromEntries(
    tools.map((tool) => [
      tool.name,
      // The tool's JSON Schema goes to node-llama-cpp's GBNF converter, whose schema type is narrower
      // than JSON Schema in general; the converter rejects what it cannot express at run time.
      { description: tool.description, params: tool.parameters as ChatModelFunctions[string]["params"] },
    ]),
  );
}
