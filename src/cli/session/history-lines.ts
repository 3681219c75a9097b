import type { ToolCall } from "../../core/index.js";
import type { SessionInfo, StoredMessage } from "../../store/index.js";
import { paint, sanitize } from "./ansi-style.js";
import { interruptedLine, userLines } from "./agent-turn.js";
import { MarkdownStream } from "./markdown-stream.js";
import { toolCallLines, toolResultLines } from "./tool-lines.js";

/** A saved session shown again when it is resumed: the same lines the live session drew. */

export function storedMessageLines(stored: readonly StoredMessage[], columns: () => number): string[] {
  const lines: string[] = [];
  const calls = new Map<string, ToolCall>();
  for (const { message, interrupted } of stored) {
    switch (message.role) {
      case "system":
        break;
      case "user":
        lines.push(...userLines(message.content));
        break;
      case "assistant": {
        const markdown = new MarkdownStream(columns);
        lines.push(...markdown.push(message.content), ...markdown.end());
        for (const call of message.toolCalls ?? []) {
          calls.set(call.id, call);
          lines.push(...toolCallLines(call));
        }
        if (interrupted) lines.push(interruptedLine);
        break;
      }
      case "tool": {
        const ok = !message.content.startsWith("Error:");
        lines.push(...toolResultLines(calls.get(message.toolCallId), ok, message.content));
        break;
      }
    }
  }
  return lines;
}

/** Local time, to the minute: "2026-01-31 14:05". */
function localTime(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** "3f2c91ab  2026-01-31 14:05   12 messages  fix the date parser" */
export function sessionLabel(info: SessionInfo): string {
  const when = localTime(info.updatedAt);
  return `${info.id.slice(0, 8)}  ${when}  ${String(info.messageCount).padStart(3)} messages  ${sanitize(info.title)}`;
}

export function resumedHeader(info: SessionInfo): string[] {
  return [paint.dim(`── resumed session ${info.id.slice(0, 8)} · ${sanitize(info.title)} · ${info.messageCount} messages ──`)];
}
