import { describe, expect, it } from "vitest";
import { UsageError } from "../core/errors.js";
import { approvalFor, approvalModes, parseApprovalMode, type ActionKind, type ApprovalMode } from "./index.js";

describe("approvalFor", () => {
  const table: [ApprovalMode, ActionKind, "allow" | "ask"][] = [
    ["suggest", "edit", "ask"],
    ["suggest", "command", "ask"],
    ["auto-edit", "edit", "allow"],
    ["auto-edit", "command", "ask"],
    ["full-auto", "edit", "allow"],
    ["full-auto", "command", "allow"],
  ];
  it.each(table)("%s / %s -> %s", (mode, action, expected) => {
    expect(approvalFor(mode, action)).toBe(expected);
  });

  it("covers every mode", () => {
    expect([...approvalModes]).toEqual(["suggest", "auto-edit", "full-auto"]);
  });
});

describe("parseApprovalMode", () => {
  it("accepts each mode, ignoring case and surrounding spaces", () => {
    expect(parseApprovalMode("suggest")).toBe("suggest");
    expect(parseApprovalMode(" Auto-Edit ")).toBe("auto-edit");
    expect(parseApprovalMode("FULL-AUTO")).toBe("full-auto");
  });

  it("rejects anything else with a UsageError that lists the modes", () => {
    let caught: unknown;
    try {
      parseApprovalMode("yolo");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    const message = (caught as UsageError).message;
    expect(message).toContain('"yolo"');
    for (const mode of approvalModes) expect(message).toContain(mode);
    expect((caught as UsageError).code).toBe("usage_invalid");
  });
});
