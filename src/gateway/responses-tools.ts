import type { ToolDefinition } from "../core/index.js";
import { isHostedTool } from "./ignored-fields.js";
import { badRequest, unsupported } from "./openai-error.js";
import { TOOL_NAME, type ResponsesRequest } from "./request-schemas.js";

/** What the client declared a tool as: its name, and the namespace group it sits in, if any. */
export interface DeclaredToolName {
  name: string;
  namespace?: string;
}

/**
 * A model here sees only flat function tools. A tool inside a `{"type": "namespace"}` group is shown to
 * it as `NAMESPACE__NAME` (the double underscore Codex itself uses for MCP tools, so it never collides
 * with a plain name), and a call to it goes back to the client as OpenAI sends one: `name` plus
 * `namespace`, which is how the Codex CLI finds the tool it declared.
 */
export function flatToolName(name: string, namespace: string | undefined): string {
  return namespace === undefined ? name : `${namespace}__${name}`;
}

export class ResponsesTools {
  readonly definitions: ToolDefinition[] = [];
  /** Hosted tools the request carried (`tools.web_search`, ...), ignored. */
  readonly ignored: string[] = [];
  private readonly declared = new Map<string, DeclaredToolName>();

  /** The request's tools as flat function tools; what cannot be one is refused, naming the tool. */
  constructor(tools: NonNullable<ResponsesRequest["tools"]>, backend: string) {
    tools.forEach((tool, index) => {
      if (tool.type === "namespace" && tool.name) {
        (tool.tools ?? []).forEach((inner, innerIndex) => this.add(inner, tool.name, `tools[${index}].tools[${innerIndex}]`, backend));
      } else this.add(tool, undefined, `tools[${index}]`, backend);
    });
  }

  private add(tool: { type: string; name?: string | undefined; description?: unknown; parameters?: unknown }, namespace: string | undefined, param: string, backend: string): void {
    if (isHostedTool(tool.type)) return void this.ignored.push(`tools.${tool.type}`);
    if (tool.type !== "function" || !tool.name) throw unsupported(param, `Only function tools (alone or in a namespace) are supported for ${backend}; '${tool.type}' is not.`);
    const flat = flatToolName(tool.name, namespace);
    if (!TOOL_NAME.test(flat)) {
      throw badRequest(`The tool '${tool.name}' in the namespace '${String(namespace)}' is shown to ${backend} as '${flat}', which is over 64 characters: shorten the namespace or the tool name.`, param, "invalid_value");
    }
    if (this.declared.has(flat)) throw badRequest(`The tool name '${flat}' is declared twice; give each tool its own name.`, param, "invalid_value");
    this.declared.set(flat, namespace === undefined ? { name: tool.name } : { name: tool.name, namespace });
    const parameters = typeof tool.parameters === "object" && tool.parameters !== null ? (tool.parameters as Record<string, unknown>) : { type: "object", properties: {} };
    this.definitions.push({ name: flat, description: typeof tool.description === "string" ? tool.description : "", parameters });
  }

  /** How a call the model made is named for the client. */
  declaredName(flat: string): DeclaredToolName {
    return this.declared.get(flat) ?? { name: flat };
  }
}
