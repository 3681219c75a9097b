import type { TextDocument } from "vscode-languageserver-textdocument";
import type { TextEdit } from "vscode-languageserver/node";

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * One edit that turns `document` into `newText`: the changed span between the common start and the
 * common end, so the editor keeps cursors and folds outside it. Never splits a surrogate pair.
 */
export function minimalEdit(document: TextDocument, newText: string): TextEdit | undefined {
  const oldText = document.getText();
  if (oldText === newText) return undefined;
  const limit = Math.min(oldText.length, newText.length);
  let start = 0;
  while (start < limit && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
  if (start > 0 && isHighSurrogate(oldText.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < limit - start && oldText.charCodeAt(oldText.length - 1 - end) === newText.charCodeAt(newText.length - 1 - end)) end++;
  if (end > 0 && isHighSurrogate(oldText.charCodeAt(oldText.length - end - 1))) end--;
  return {
    range: { start: document.positionAt(start), end: document.positionAt(oldText.length - end) },
    newText: newText.slice(start, newText.length - end),
  };
}
