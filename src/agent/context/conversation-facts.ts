import type { Message } from "../../core/index.js";

/**
 * What compaction must never lose, taken from the history itself rather than from the model's summary
 * (a small model may summarise badly): what the user asked, and the files the agent read or changed.
 */
export interface ConversationFacts {
  tasks: string[];
  /** path -> what was done to it ("read", "patched"). */
  files: Map<string, Set<string>>;
}

export const stateMarker = "[Spark: earlier turns of this conversation were compacted to fit the context window; this is their state.]";
const maxTaskChars = 2000;

function addFile(facts: ConversationFacts, path: string, action: string): void {
  const actions = facts.files.get(path) ?? new Set<string>();
  actions.add(action);
  facts.files.set(path, actions);
}

/** Paths a patch touches, in either grammar the patch engine reads. */
export function patchPaths(patch: string): string[] {
  const codex = [...patch.matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)].map((match) => (match[1] ?? "").trim());
  const searchReplace = [...patch.matchAll(/^([^\n<>=]+)\n<<<<<<< SEARCH$/gm)].map((match) => (match[1] ?? "").trim());
  // Unified diffs: the new name, or the old one for a deleted file (`+++ /dev/null`).
  const unified = [...patch.matchAll(/^--- (?:a\/)?([^\t\n]+).*\n\+\+\+ (?:b\/)?([^\t\n]+)/gm)].map((match) =>
    (match[2] === "/dev/null" ? (match[1] ?? "") : (match[2] ?? "")).trim(),
  );
  return [...new Set([...codex, ...searchReplace, ...unified].filter((path) => path !== "" && path !== "/dev/null"))];
}

function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function addToolCallFacts(facts: ConversationFacts, name: string, args: Record<string, unknown>): void {
  if (name === "read_file" && typeof args.path === "string") addFile(facts, args.path, "read");
  if (name === "apply_patch" && typeof args.patch === "string") for (const path of patchPaths(args.patch)) addFile(facts, path, "patched");
  if ((name === "str_replace" || name === "edit_file") && typeof args.path === "string") addFile(facts, args.path, "patched");
}

/** A state written by an earlier compaction: its task and file lines carry over. */
function addEarlierState(facts: ConversationFacts, state: string): void {
  const section = (title: string) => /## [^\n]*\n([\s\S]*?)(?=\n## |$)/.exec(state.slice(state.indexOf(`## ${title}`)))?.[1] ?? "";
  for (const line of section("Task").split("\n")) if (line.startsWith("- ")) facts.tasks.push(line.slice(2));
  for (const line of section("Files touched").split("\n")) {
    const match = /^- (.+) \(([^)]*)\)$/.exec(line);
    if (match) for (const action of (match[2] ?? "").split(", ")) addFile(facts, match[1] ?? "", action);
  }
}

export function collectFacts(messages: readonly Message[]): ConversationFacts {
  const facts: ConversationFacts = { tasks: [], files: new Map() };
  for (const message of messages) {
    if (message.role === "user" && message.content.startsWith(stateMarker)) addEarlierState(facts, message.content);
    else if (message.role === "user") facts.tasks.push(message.content.length > maxTaskChars ? `${message.content.slice(0, maxTaskChars)}…` : message.content);
    else if (message.role === "assistant") for (const call of message.toolCalls ?? []) addToolCallFacts(facts, call.name, parseArguments(call.arguments));
  }
  return facts;
}

/** The compacted state as the model will read it: the facts, then the model's own summary. */
export function renderState(facts: ConversationFacts, summary: string): string {
  const tasks = facts.tasks.map((task) => `- ${task.replace(/\n/g, " ")}`);
  const files = [...facts.files].map(([path, actions]) => `- ${path} (${[...actions].join(", ")})`);
  return [stateMarker, "## Task", ...(tasks.length ? tasks : ["- (none recorded)"]), "## Files touched", ...(files.length ? files : ["- (none)"]), "## Summary", summary.trim() || "(no summary)"].join("\n");
}
