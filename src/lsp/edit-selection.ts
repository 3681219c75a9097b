import { resolve, sep } from "node:path";
import { errorMessage, type Message, type Metrics } from "../core/index.js";
import { applyParsedPatch, formatApplyReport, parsePatch, PatchError, type ApplyReport, type ParsedPatch } from "../edits/index.js";
import type { ModelClient } from "../models/index.js";
import { MemoryPatchFs } from "./memory-patch-fs.js";

/** A document as the edit sees it: its URI, its name in the patch and its text in the editor now. */
export interface EditDocument {
  uri: string;
  path: string;
  languageId: string;
  text: string;
}

export interface EditSelectionInput {
  target: EditDocument;
  /** Selected lines, 0-based, inclusive. */
  startLine: number;
  endLine: number;
  instruction: string;
  /** Every open document (the target included): a patch may touch any of them. */
  documents: readonly EditDocument[];
}

export interface EditSelectionResult {
  /** New text per changed document URI. */
  changed: Map<string, string>;
  patch: string;
  report: ApplyReport;
  metrics: Metrics | undefined;
  outputTokens: number;
  firstTextAt: number | undefined;
}

/** Lines of context shown around the selection; the patch must quote the file exactly, so it sees the real text. */
const contextLines = 80;

const systemPrompt = [
  "You are a precise code editor. You change only what the instruction asks, inside the selected lines, and",
  "reply with a patch and nothing else, as SEARCH/REPLACE blocks:",
  "",
  "path/of/the/file",
  "<<<<<<< SEARCH",
  "lines copied exactly from the file",
  "=======",
  "the lines that replace them",
  ">>>>>>> REPLACE",
  "",
  "Copy the SEARCH lines exactly, whitespace included, and keep them few: only the lines that change and one",
  "line around them if needed to be unique. Use several blocks for separate changes. No explanations.",
].join("\n");

export function editMessages(input: EditSelectionInput): Message[] {
  const lines = input.target.text.split("\n");
  const from = Math.max(0, input.startLine - contextLines);
  const to = Math.min(lines.length, input.endLine + 1 + contextLines);
  const shown = lines.slice(from, to).join("\n");
  const selected = lines.slice(input.startLine, input.endLine + 1).join("\n");
  const where = from > 0 || to < lines.length ? ` (lines ${from + 1}-${to} of ${lines.length})` : "";
  const user = [
    `File ${input.target.path}${where}:`,
    "```" + input.target.languageId,
    shown,
    "```",
    "",
    `Selected lines ${input.startLine + 1}-${input.endLine + 1}:`,
    "```" + input.target.languageId,
    selected,
    "```",
    "",
    `Instruction: ${input.instruction}`,
  ].join("\n");
  return [
    { role: "system", content: systemPrompt },
    { role: "user", content: user },
  ];
}

/**
 * Parses the model's answer, tolerating what models commonly get wrong: no path line before the first
 * SEARCH (the target is meant) and a path that names no open document when only one file is edited.
 */
export function parseEditPatch(answer: string, input: EditSelectionInput): ParsedPatch {
  let parsed: ParsedPatch;
  try {
    parsed = parsePatch(answer);
  } catch (error) {
    if (!(error instanceof PatchError) || !/file path/.test(error.message)) throw error;
    parsed = parsePatch(`${input.target.path}\n${answer}`);
  }
  const known = new Set(input.documents.map((document) => document.path));
  const updates = parsed.operations.filter((operation) => operation.kind === "update");
  const named = new Set(updates.map((operation) => operation.path));
  if (named.size === 1 && !known.has([...named][0] ?? "")) for (const operation of updates) operation.path = input.target.path;
  return parsed;
}

/** The virtual directory the open documents are placed in; nothing is read from or written to it on disk. */
const memoryRoot = resolve(sep, "spark-open-documents");

/** Applies a patch to the open documents' texts through the patch engine, in memory. */
export async function applyToDocuments(parsed: ParsedPatch, documents: readonly EditDocument[]): Promise<{ report: ApplyReport; changed: Map<string, string> }> {
  const fs = new MemoryPatchFs(memoryRoot, documents.map((document) => [document.path, document.text]));
  const report = await applyParsedPatch(parsed, { workspace: memoryRoot, fs });
  const changed = new Map<string, string>();
  for (const document of documents) {
    const text = fs.text(document.path);
    if (text !== undefined && text !== document.text) changed.set(document.uri, text);
  }
  return { report, changed };
}

/** Thrown with a message for the user when the model's answer cannot be used. */
export class EditFailed extends Error {
  constructor(
    message: string,
    readonly patch: string,
  ) {
    super(message);
    this.name = "EditFailed";
  }
}

/**
 * "Edit selection": the model writes a targeted patch for the instruction, which the patch engine
 * applies (fuzzy but safe matching) to the documents' current texts. The selection is sent as a
 * prediction: the patch repeats most of it, which the local engine turns into speculative decoding.
 */
export async function editSelection(client: ModelClient, input: EditSelectionInput, options: { signal: AbortSignal; maxTokens: number; temperature?: number }): Promise<EditSelectionResult> {
  const lines = input.target.text.split("\n");
  const selected = lines.slice(input.startLine, input.endLine + 1).join("\n");
  let answer = "";
  let metrics: Metrics | undefined;
  let outputTokens = 0;
  let firstTextAt: number | undefined;
  let failure: string | undefined;
  let finish = "stop";
  const events = client.stream(
    {
      messages: editMessages(input),
      maxTokens: options.maxTokens,
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(client.supportsPrediction ? { prediction: selected } : {}),
    },
    { signal: options.signal },
  );
  for await (const event of events) {
    if (event.type === "text-delta") {
      firstTextAt ??= performance.now();
      answer += event.text;
    } else if (event.type === "metrics") metrics = event.metrics;
    else if (event.type === "usage") outputTokens = event.usage.outputTokens;
    else if (event.type === "error") failure = event.error.message;
    else if (event.type === "finish") finish = event.reason;
  }
  if (finish === "abort") throw new EditFailed("The edit was cancelled.", answer);
  if (failure !== undefined) throw new EditFailed(`The model call failed: ${failure}`, answer);
  let parsed: ParsedPatch;
  try {
    parsed = parseEditPatch(answer, input);
  } catch (error) {
    throw new EditFailed(`The model's answer is not a usable patch: ${errorMessage(error)}`, answer);
  }
  const { report, changed } = await applyToDocuments(parsed, input.documents);
  if (report.status === "refused" || changed.size === 0) throw new EditFailed(`The patch did not apply. ${formatApplyReport(report)}`, answer);
  return { changed, patch: answer, report, metrics, outputTokens, firstTextAt };
}
