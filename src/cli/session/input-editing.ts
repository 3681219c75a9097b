/**
 * The input box's text editing, as pure functions of (text, cursor): insert, delete, move, kill, and
 * walking the history of what was sent. Kept apart from the component so every key can be tested
 * without a terminal.
 */

export interface InputState {
  text: string;
  /** Cursor position, 0..text.length. */
  cursor: number;
  /** Position in the history while walking it with the arrows; undefined when editing new text. */
  historyIndex: number | undefined;
  /** What was being typed before the walk started, given back when the walk returns past the newest entry. */
  draft: string;
}

export const emptyInput: InputState = { text: "", cursor: 0, historyIndex: undefined, draft: "" };

export function inputOf(text: string): InputState {
  return { text, cursor: text.length, historyIndex: undefined, draft: "" };
}

export function insertText(state: InputState, text: string): InputState {
  const clean = text.replace(/\r\n?/g, "\n").replace(/\t/g, "  ");
  return { ...state, text: state.text.slice(0, state.cursor) + clean + state.text.slice(state.cursor), cursor: state.cursor + clean.length, historyIndex: undefined };
}

export function deleteBackward(state: InputState): InputState {
  if (state.cursor === 0) return state;
  return { ...state, text: state.text.slice(0, state.cursor - 1) + state.text.slice(state.cursor), cursor: state.cursor - 1 };
}

export function deleteWordBackward(state: InputState): InputState {
  const before = state.text.slice(0, state.cursor);
  const kept = before.replace(/\S+\s*$|\s+$/, "");
  return { ...state, text: kept + state.text.slice(state.cursor), cursor: kept.length };
}

/** Ctrl-U: everything before the cursor goes. */
export function killToStart(state: InputState): InputState {
  return { ...state, text: state.text.slice(state.cursor), cursor: 0 };
}

export function moveCursor(state: InputState, to: "left" | "right" | "start" | "end"): InputState {
  const lineStart = state.text.lastIndexOf("\n", state.cursor - 1) + 1;
  const nextNewline = state.text.indexOf("\n", state.cursor);
  const lineEnd = nextNewline === -1 ? state.text.length : nextNewline;
  const cursor = { left: Math.max(0, state.cursor - 1), right: Math.min(state.text.length, state.cursor + 1), start: lineStart, end: lineEnd }[to];
  return { ...state, cursor };
}

/** Up/down through what was sent before (oldest first in `history`). */
export function walkHistory(state: InputState, history: readonly string[], direction: "older" | "newer"): InputState {
  if (history.length === 0) return state;
  if (direction === "older") {
    const index = state.historyIndex === undefined ? history.length - 1 : Math.max(0, state.historyIndex - 1);
    const text = history[index] ?? "";
    return { text, cursor: text.length, historyIndex: index, draft: state.historyIndex === undefined ? state.text : state.draft };
  }
  if (state.historyIndex === undefined) return state;
  const index = state.historyIndex + 1;
  if (index >= history.length) return { text: state.draft, cursor: state.draft.length, historyIndex: undefined, draft: "" };
  const text = history[index] ?? "";
  return { ...state, text, cursor: text.length, historyIndex: index };
}
