import { describe, expect, it } from "vitest";
import { decodeText, encodeText } from "./text-document.js";

const roundTrip = (text: string): string => encodeText(decodeText(Buffer.from(text, "utf8"), "f")).toString("utf8");

describe("text documents", () => {
  it("round-trips LF, CRLF, mixed endings, BOM and a missing final newline byte for byte", () => {
    for (const text of ["a\nb\n", "a\r\nb\r\n", "a\r\nb\nc\r\n", "\uFEFFa\r\nb", "a\nb", "", "\n", "\r\n\r\n", "x\r"]) {
      expect(roundTrip(text)).toBe(text);
    }
  });

  it("describes what it found", () => {
    expect(decodeText(Buffer.from("\uFEFFa\r\nb"), "f")).toEqual({
      lines: ["a", "b"],
      bom: true,
      eol: "\r\n",
      addedLineSuffix: "",
      finalNewline: false,
    });
    expect(decodeText(Buffer.from("a\r\nb\r\nc\n"), "f")).toMatchObject({ lines: ["a\r", "b\r", "c"], eol: "\n", addedLineSuffix: "\r" });
  });

  it("writes CRLF and no final newline back after the lines change", () => {
    const doc = decodeText(Buffer.from("one\r\ntwo"), "f");
    expect(encodeText({ ...doc, lines: ["one", "2", "three"] }).toString()).toBe("one\r\n2\r\nthree");
    const empty = decodeText(Buffer.from(""), "f");
    expect(encodeText({ ...empty, lines: ["new"] }).toString()).toBe("new\n");
  });

  it("refuses binary and non-UTF-8 files", () => {
    expect(() => decodeText(Buffer.from([0x61, 0x00, 0x62]), "img.png")).toThrow(/img\.png is a binary file/);
    expect(() => decodeText(Buffer.from([0x63, 0x61, 0x66, 0xe9]), "latin1.txt")).toThrow(/not valid UTF-8/);
  });
});
