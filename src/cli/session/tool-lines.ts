import type { ToolCall } from "../../core/index.js";
import { paint, sanitize } from "./ansi-style.js";
import { patchDiffLines } from "./edit-diff.js";

/** How tool calls and their results show in the transcript: one line per call, a short result, edits as diffs. */

function parseArguments(call: ToolCall): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(call.arguments || "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const oneLine = (text: string, max = 140): string => {
  const line = sanitize(text).split("\n", 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
};

/** "read_file src/a.ts", "shell npm test", "apply_patch (2 files)": what the agent is doing, in a few words. */
export function describeToolCall(call: ToolCall): string {
  const args = parseArguments(call);
  const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string) : undefined);
  switch (call.name) {
    case "read_file":
    case "list_files":
      return `${call.name} ${oneLine(text("path") ?? ".")}`;
    case "search":
      return `search ${oneLine(text("pattern") ?? text("query") ?? "")}`;
    case "shell":
      return `shell ${oneLine(text("command") ?? "")}`;
    case "apply_patch": {
      const files = (text("patch") ?? "").match(/^\*\*\* (?:Add|Update|Delete) File:|^>{7} REPLACE/gm)?.length ?? 0;
      return `apply_patch${files > 0 ? ` (${files} ${files === 1 ? "change" : "changes"})` : ""}`;
    }
    default:
      return `${call.name} ${oneLine(call.arguments)}`;
  }
}

export function toolCallLines(call: ToolCall): string[] {
  return [`${paint.cyan("→")} ${paint.bold(describeToolCall(call))}`];
}

/** The result of a call: an applied patch as its diff, anything else as its first lines. */
export function toolResultLines(call: ToolCall | undefined, ok: boolean, output: string): string[] {
  if (ok && call?.name === "apply_patch") {
    const patch = parseArguments(call)["patch"];
    const diff = typeof patch === "string" ? patchDiffLines(patch) : undefined;
    if (diff) return [paint.green("  ✓ applied"), ...diff];
  }
  const lines = sanitize(output).replace(/\n+$/, "").split("\n");
  const shown = lines.slice(0, ok ? 3 : 8).map((line) => `    ${oneLine(line, 200)}`);
  const more = lines.length > shown.length ? [paint.dim(`    … ${lines.length - shown.length} more lines`)] : [];
  const head = ok ? paint.green("  ✓ ok") : paint.red("  ✗ failed");
  return [head, ...shown.map((line) => (ok ? paint.dim(line) : line)), ...more];
}
