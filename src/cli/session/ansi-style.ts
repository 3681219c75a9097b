/**
 * The few terminal styles the session pre-renders into its lines (SGR escape sequences). Lines are
 * styled once, when they are finished, so a frame never re-styles text it already showed. NO_COLOR
 * (https://no-color.org) turns them off.
 */

export type Paint = (text: string) => string;

const colorsOn = process.env.NO_COLOR === undefined || process.env.NO_COLOR === "";

function sgr(open: number, close: number): Paint {
  if (!colorsOn) return (text) => text;
  return (text) => (text === "" ? "" : `\u001B[${open}m${text}\u001B[${close}m`);
}

export const paint = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  italic: sgr(3, 23),
  underline: sgr(4, 24),
  inverse: sgr(7, 27),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  blue: sgr(34, 39),
  magenta: sgr(35, 39),
  cyan: sgr(36, 39),
  gray: sgr(90, 39),
} as const satisfies Record<string, Paint>;

// eslint-disable-next-line no-control-regex -- matching escape sequences is the point
const ANSI_PATTERN = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)/g;

/** The text without escape sequences (what the user reads). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** Control characters a model might send that would move the cursor or change the terminal. */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const UNSAFE_CONTROLS = /\u001B\[[0-9;?]*[ -/]*[@-~]|\u001B\][^\u0007\u001B]*(?:\u0007|\u001B\\)?|[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** Model text made safe to print: escape sequences and control characters removed, tabs as spaces. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE_CONTROLS, "").replace(/\t/g, "    ");
}
