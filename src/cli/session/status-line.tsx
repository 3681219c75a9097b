import { Text } from "ink";
import { basename } from "node:path";
import { memo } from "react";
import type { SessionState, StatusView } from "./view-store.js";

/** The line under the input: state, model, TTFT, live tokens/s, tokens used, context window fill, cache reuse, bucket quota, approval mode, session. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

const STATES: Record<SessionState, { label: string; color: string }> = {
  idle: { label: "ready", color: "green" },
  waiting: { label: "waiting for the model", color: "yellow" },
  streaming: { label: "streaming", color: "cyan" },
  tool: { label: "running a tool", color: "magenta" },
  approval: { label: "waiting for your answer", color: "yellow" },
  interrupting: { label: "interrupting", color: "red" },
};

/**
 * A local model's label carries its whole path, which alone can fill the line and push the live figures
 * off it; the file name says which model it is, and the header above shows the full path.
 */
function modelLabel(model: string): string {
  return model.startsWith("local:") ? `local:${basename(model.slice("local:".length))}` : model;
}

export function statusParts(status: StatusView): string[] {
  const parts = [modelLabel(status.model)];
  if (status.ttftMs !== undefined) parts.push(`TTFT ${integer.format(status.ttftMs)} ms`);
  if (status.tokensPerSecond !== undefined) parts.push(`${integer.format(status.tokensPerSecond)} tok/s`);
  parts.push(`${integer.format(status.totalTokens)} tokens`);
  if (status.contextFill !== undefined) parts.push(`ctx ${Math.round(status.contextFill * 100)}%`);
  if (status.promptTokensReused) parts.push(`${integer.format(status.promptTokensReused)} reused`);
  if (status.quota) {
    const of = status.quota.limitTokens === undefined ? "" : ` of ${integer.format(status.quota.limitTokens)}`;
    parts.push(`quota ${integer.format(status.quota.remainingTokens)}${of} tokens left`);
  }
  parts.push(status.approvalMode);
  if (status.sessionId) parts.push(`session ${status.sessionId.slice(0, 8)}`);
  return parts;
}

export const StatusLine = memo(function StatusLine({ status }: { status: StatusView }) {
  const state = STATES[status.state];
  return (
    <Text wrap="truncate-end">
      <Text color={state.color}>● {state.label}</Text>
      <Text dimColor> · {statusParts(status).join(" · ")}</Text>
    </Text>
  );
});
