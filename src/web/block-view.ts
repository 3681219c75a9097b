import type { Block } from "./markdown-blocks.js";

/** The page's view of one markdown block: updated while it is written, then once more when final. */
export interface BlockView {
  readonly element: HTMLElement;
  update(block: Block, final: boolean): void;
  /** The theme changed: draw again what depends on it (a live block's frame). */
  redraw?(): void;
}
