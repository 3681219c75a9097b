import type { AgentEvent } from "../../agent/index.js";

const firstLine = (text: string, max = 160) => {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > max ? `${line.slice(0, max)}…` : line;
};

/** Human rendering of a running task: the answer on stdout, tool activity on stderr. */
export function renderAgentEvent(event: AgentEvent, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  switch (event.type) {
    case "text-delta":
      out.stdout.write(event.text);
      break;
    case "reasoning-delta":
      out.stderr.write(event.text);
      break;
    case "tool-call":
      out.stderr.write(`\n→ ${event.toolCall.name} ${firstLine(event.toolCall.arguments)}\n`);
      break;
    case "tool-result":
      out.stderr.write(`  ${event.ok ? "ok" : "failed"}: ${firstLine(event.output)}\n`);
      break;
    case "error":
      out.stderr.write(`spark: ${event.error.message}\n`);
      break;
    case "compacted":
      out.stderr.write(`\n[context compacted: ${event.tokensBefore} → ${event.tokensAfter} prompt tokens; older turns summarised]\n`);
      break;
    default:
      break;
  }
}

/** The closing summary: files changed with +/- lines, tokens and time. */
export function formatAgentSummary(event: Extract<AgentEvent, { type: "done" }>, elapsedMs: number, sessionId: string): string {
  const lines = [`\n[${event.status} after ${event.turns} model call${event.turns === 1 ? "" : "s"} · ${event.usage.inputTokens} prompt + ${event.usage.outputTokens} output tokens · ${(elapsedMs / 1000).toFixed(1)} s · session ${sessionId}]`];
  if (event.changes.length === 0) lines.push("No files changed.");
  else {
    lines.push("Files changed:");
    for (const change of event.changes) lines.push(`  ${change.path} +${change.added} -${change.removed}`);
  }
  if (event.error) lines.push(`spark: ${event.error}`);
  return `${lines.join("\n")}\n`;
}
