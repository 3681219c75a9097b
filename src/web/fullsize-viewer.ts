import type { FullSizeViewer } from "./interactive-block.js";
import { SandboxFrame } from "./sandbox-frame.js";

/** A modal dialog with one large sandboxed frame; Esc or Close shuts it. */
export class DialogViewer implements FullSizeViewer {
  private frame: SandboxFrame | undefined;

  constructor(private readonly dialog: HTMLDialogElement, private readonly stage: HTMLElement, private readonly title: HTMLElement, close: HTMLButtonElement) {
    close.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      this.frame?.dispose();
      this.frame = undefined;
    });
  }

  open(title: string, html: string): void {
    this.frame?.dispose();
    this.title.textContent = title;
    const frame = new SandboxFrame(`${title}, full size`, () => undefined);
    this.frame = frame;
    this.stage.append(frame.element);
    this.dialog.showModal();
    void frame.load(html);
  }
}
