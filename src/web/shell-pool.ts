import { SandboxFrame, type FrameEvent } from "./sandbox-frame.js";

/**
 * Fresh sandbox frames, made while the main thread is idle, for live blocks to take when a render is due.
 * Making a frame costs the page's main thread milliseconds (the browser creates the child frame, then its
 * first empty document unloads for the shell); at a fast model's pace a block is often complete when first
 * seen, so its render used to make its frame on the spot, in the middle of the stream's frames.
 *
 * A pooled frame has only ever held the gateway's empty shell (never a block's document), so handing it
 * to a block carries nothing from any other block. It waits loaded in a hidden holder and is moved into
 * the block with `moveBefore`, which keeps a frame's document (an ordinary remove-and-insert would
 * reload it). Where the browser lacks `moveBefore`, each block makes its frame when needed, as before.
 */

/** Enough for one set of live blocks arriving together (a diagram, an image, an app). */
const POOL_SIZE = 3;
/** A pooled frame is made in idle time, at the latest this long after it was wanted. */
const REFILL_TIMEOUT_MS = 1_000;
/** Less idle time left than this and the frame waits for the next idle period. */
const MIN_IDLE_MS = 6;

const canMoveFrames = () => typeof (Element.prototype as { moveBefore?: unknown }).moveBefore === "function" && typeof window.requestIdleCallback === "function";

type MovableParent = HTMLElement & { moveBefore(node: Node, child: Node | null): void };

export class ShellPool {
  private readonly waiting: SandboxFrame[] = [];
  private holder: HTMLElement | undefined;
  private refilling = false;

  constructor(private readonly size = POOL_SIZE, private readonly canMove = canMoveFrames()) {}

  /** Fills the pool in idle time (an answer has started: live blocks may follow). */
  warm(): void {
    if (!this.canMove || this.refilling || this.waiting.length >= this.size) return;
    this.refilling = true;
    this.refillOne();
  }

  /**
   * A fresh frame at the end of `stage`: a pooled one whose shell has loaded, else one made now. A frame
   * still loading its shell is never moved: moving one mid-navigation built a script context for its
   * empty first document in the page's process (the render test sees it) and left blocks waiting.
   */
  take(stage: HTMLElement, title: string, onEvent: (event: FrameEvent) => void): SandboxFrame {
    const index = this.waiting.findIndex((frame) => frame.loaded);
    const pooled = index < 0 ? undefined : this.waiting.splice(index, 1)[0];
    if (!pooled) {
      const frame = new SandboxFrame(title, onEvent);
      stage.append(frame.element);
      this.warm();
      return frame;
    }
    pooled.claim(title, onEvent);
    (stage as MovableParent).moveBefore(pooled.element, null);
    this.warm();
    return pooled;
  }

  private refillOne(): void {
    window.requestIdleCallback((deadline) => {
      if (this.waiting.length >= this.size) {
        this.refilling = false;
        return;
      }
      if (deadline.didTimeout || deadline.timeRemaining() >= MIN_IDLE_MS) this.waiting.push(this.makeShell());
      this.refillOne();
    }, { timeout: REFILL_TIMEOUT_MS });
  }

  private makeShell(): SandboxFrame {
    if (!this.holder) {
      this.holder = document.createElement("div");
      this.holder.className = "shell-pool";
      this.holder.setAttribute("aria-hidden", "true");
      // Nothing in a waiting frame takes focus; a frame moved out to a block is no longer inert.
      this.holder.inert = true;
      document.body.append(this.holder);
    }
    const frame = new SandboxFrame("Unused preview frame");
    this.holder.append(frame.element);
    return frame;
  }
}

let shared: ShellPool | undefined;

/** The page's one pool of frames. */
export function shellPool(): ShellPool {
  return (shared ??= new ShellPool());
}
