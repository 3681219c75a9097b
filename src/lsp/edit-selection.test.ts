import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { applyToDocuments, parseEditPatch, type EditSelectionInput } from "./edit-selection.js";
import { minimalEdit } from "./text-edits.js";

const target = { uri: "file:///w/src/a.ts", path: "src/a.ts", languageId: "typescript", text: "const a = 1;\r\nconst b = 2;\r\n" };
const other = { uri: "file:///w/src/b.ts", path: "src/b.ts", languageId: "typescript", text: "export {};\n" };
const input: EditSelectionInput = { target, startLine: 1, endLine: 1, instruction: "b is 3", documents: [target, other] };

describe("edit selection in memory", () => {
  it("applies a SEARCH/REPLACE answer without a path line to the target, keeping its line endings", async () => {
    const parsed = parseEditPatch("```\n<<<<<<< SEARCH\nconst b = 2;\n=======\nconst b = 3;\n>>>>>>> REPLACE\n```\n", input);
    const { report, changed } = await applyToDocuments(parsed, input.documents);
    expect(report.status).toBe("applied");
    expect([...changed]).toEqual([[target.uri, "const a = 1;\r\nconst b = 3;\r\n"]]);
  });

  it("sends a misnamed single file to the target, and applies a Codex patch to two open documents", async () => {
    const misnamed = parseEditPatch("a.ts\n<<<<<<< SEARCH\nconst a = 1;\n=======\nconst a = 0;\n>>>>>>> REPLACE\n", input);
    expect(misnamed.operations[0]?.path).toBe("src/a.ts");
    const codex = parseEditPatch(
      ["*** Begin Patch", "*** Update File: src/a.ts", "@@", "-const a = 1;", "+let a = 1;", "*** Update File: src/b.ts", "@@", "-export {};", "+export { a };", "*** End Patch"].join("\n"),
      input,
    );
    const { changed } = await applyToDocuments(codex, input.documents);
    expect(changed.get(target.uri)).toBe("let a = 1;\r\nconst b = 2;\r\n");
    expect(changed.get(other.uri)).toBe("export { a };\n");
  });

  it("refuses a hunk that matches nothing and changes nothing", async () => {
    const parsed = parseEditPatch("src/a.ts\n<<<<<<< SEARCH\nconst c = 9;\n=======\nx\n>>>>>>> REPLACE\n", input);
    const { report, changed } = await applyToDocuments(parsed, input.documents);
    expect(report.status).toBe("refused");
    expect(changed.size).toBe(0);
  });

  it("turns a new text into one minimal edit", () => {
    const document = TextDocument.create("file:///x", "typescript", 1, "one\ntwo 😀\nthree\n");
    const edit = minimalEdit(document, "one\ntwo 😃\nthree\n");
    expect(edit?.range).toEqual({ start: { line: 1, character: 4 }, end: { line: 1, character: 6 } });
    expect(TextDocument.applyEdits(document, edit ? [edit] : [])).toBe("one\ntwo 😃\nthree\n");
    expect(minimalEdit(document, document.getText())).toBeUndefined();
  });
});
