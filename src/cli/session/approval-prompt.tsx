import { Box, Text, useInput } from "ink";
import type { ApprovalView } from "./view-store.js";

/** A yes/no question about an edit or a command, with what would happen; y, n, or a (always, for this session). */
export function ApprovalPrompt({ approval }: { approval: ApprovalView }) {
  useInput((input) => {
    const answer = input.toLowerCase();
    if (answer === "y") approval.answer("yes");
    else if (answer === "n") approval.answer("no");
    else if (answer === "a") approval.answer("always");
  });
  const what = { edit: "Apply this edit?", command: "Run this command?", tool: "Call this MCP tool?" }[approval.kind];
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="yellow" paddingX={1}>
      <Text>{approval.lines.join("\n")}</Text>
      <Text>
        <Text bold color="yellow">
          {what}
        </Text>
        <Text> [y]es · [n]o · [a]lways for {{ edit: "edits", command: "commands", tool: "MCP tools" }[approval.kind]} this session · Esc interrupts</Text>
      </Text>
    </Box>
  );
}
