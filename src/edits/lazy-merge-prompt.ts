import type { ModelRequest } from "../core/index.js";

/**
 * The request that asks a fast model to merge a lazy edit, in the way instant-apply models are asked:
 * the old file and the update in tags, the whole merged file back, nothing else. The old file is also
 * the request's prediction: most of the answer repeats it, so the local engine verifies whole runs of
 * it per step (speculative decoding) instead of generating them token by token.
 */

const SYSTEM = [
  "You merge an update snippet into a file.",
  "The snippet is the new version of parts of the file; comments such as `// ... existing code ...` stand for unchanged code.",
  "Output the complete merged file: every line of the original except what the snippet changes, in the original order, with the original indentation.",
  "Change nothing the snippet does not change. Output only the file: no explanation, no Markdown fences, no placeholders.",
].join("\n");

export function lazyMergeRequest(path: string, oldText: string, snippet: string): ModelRequest {
  const user = `<file path="${path}">\n${oldText}\n</file>\n<update>\n${snippet}\n</update>\nWrite the merged file.`;
  // Generous: the merged file is about the old one's size; a few characters per token in code.
  const maxTokens = Math.ceil((oldText.length + snippet.length) / 2) + 256;
  return { messages: [{ role: "system", content: SYSTEM }, { role: "user", content: user }], temperature: 0, maxTokens, prediction: oldText };
}
