import { Box, Text, useInput } from "ink";
import { memo, useEffect, useRef, useState } from "react";
import {
  deleteBackward,
  deleteWordBackward,
  emptyInput,
  inputOf,
  insertText,
  killToStart,
  moveCursor,
  walkHistory,
  type InputState,
} from "./input-editing.js";

/**
 * The input box, live at all times: typing never waits for the model. Enter sends (while the model
 * writes: interrupts it and sends this instead), Tab queues for when the turn ends, Alt-Enter or
 * Ctrl-J starts a new line, ↑/↓ walk what was sent before. Esc and Ctrl-C belong to the session.
 */

export interface InputBoxProps {
  active: boolean;
  running: boolean;
  /** Text to put back (queued messages after an interrupt); applied when its serial changes. */
  restore: { text: string; serial: number } | undefined;
  history: () => string[];
  onSubmit(text: string, how: "send" | "queue"): void;
  /** The typed text changed (the session prewarms while the user types). */
  onDraft?(text: string): void;
  onExitRequest(): void;
  maxLines: number;
}

function renderWithCursor(state: InputState, showCursor: boolean, maxLines: number): string[] {
  const before = state.text.slice(0, state.cursor);
  const at = state.text[state.cursor];
  const cursor = showCursor ? `\u001B[7m${at === undefined || at === "\n" ? " " : at}\u001B[27m` : (at ?? "");
  const after = state.text.slice(state.cursor + (at === undefined || at === "\n" ? 0 : 1));
  const lines = `${before}${cursor}${after}`.split("\n");
  if (lines.length <= maxLines) return lines;
  const cursorLine = before.split("\n").length - 1;
  const first = Math.min(Math.max(0, cursorLine - maxLines + 1), lines.length - maxLines);
  return lines.slice(first, first + maxLines);
}

export const InputBox = memo(function InputBox(props: InputBoxProps) {
  const state = useRef<InputState>(emptyInput);
  const [, setVersion] = useState(0);
  const update = (next: InputState) => {
    if (next === state.current) return;
    const changed = next.text !== state.current.text;
    state.current = next;
    if (changed) props.onDraft?.(next.text);
    setVersion((version) => version + 1);
  };
  const { restore } = props;
  useEffect(() => {
    // What was typed meanwhile is kept, after the restored text.
    if (restore) update(inputOf([restore.text, state.current.text].filter((part) => part !== "").join("\n")));
  }, [restore?.serial]);

  const submit = (how: "send" | "queue") => {
    const text = state.current.text;
    if (text.trim() === "") return;
    update(emptyInput);
    props.onSubmit(text, how);
  };

  useInput(
    (input, key) => {
      const current = state.current;
      if (key.escape || (key.ctrl && input === "c")) return;
      if (key.return) {
        if (key.meta) update(insertText(current, "\n"));
        else submit("send");
      } else if (key.tab) submit("queue");
      else if (key.backspace || key.delete) update(key.meta ? deleteWordBackward(current) : deleteBackward(current));
      else if (key.leftArrow) update(moveCursor(current, "left"));
      else if (key.rightArrow) update(moveCursor(current, "right"));
      else if (key.home || (key.ctrl && input === "a")) update(moveCursor(current, "start"));
      else if (key.end || (key.ctrl && input === "e")) update(moveCursor(current, "end"));
      else if (key.upArrow) update(walkHistory(current, props.history(), "older"));
      else if (key.downArrow) update(walkHistory(current, props.history(), "newer"));
      else if (key.ctrl && input === "u") update(killToStart(current));
      else if (key.ctrl && input === "w") update(deleteWordBackward(current));
      else if (key.ctrl && input === "j") update(insertText(current, "\n"));
      else if (key.ctrl && input === "d") {
        if (current.text === "") props.onExitRequest();
      } else if (input === "\n") update(insertText(current, "\n"));
      else if (!key.ctrl && !key.meta && input !== "") {
        // Typed text and a return can arrive in one read ("fix it\r"): a carriage return sends.
        const parts = input.split("\r");
        parts.forEach((part, index) => {
          if (part !== "") update(insertText(state.current, part));
          if (index < parts.length - 1) submit("send");
        });
      }
    },
    { isActive: props.active },
  );

  const empty = state.current.text === "";
  const hint = props.running ? "Enter: interrupt and send this instead · Tab: queue it for after this turn · Esc: interrupt" : "Ask Spark to do something · /help for commands";
  const lines = renderWithCursor(state.current, props.active, props.maxLines);
  return (
    <Box borderStyle="round" borderColor={props.running ? "cyan" : "gray"} paddingX={1} flexDirection="column">
      {empty ? (
        <Text>
          <Text color="cyan">› </Text>
          {props.active ? <Text inverse> </Text> : null}
          <Text dimColor>{hint}</Text>
        </Text>
      ) : (
        lines.map((line, index) => (
          <Text key={index}>
            <Text color="cyan">{index === 0 ? "› " : "  "}</Text>
            {line}
          </Text>
        ))
      )}
    </Box>
  );
});
