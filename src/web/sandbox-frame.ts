/**
 * One sandboxed iframe: sandbox="allow-scripts" without allow-same-origin, so its script runs in an
 * opaque origin and cannot touch the page, its cookies or its storage. It loads the gateway's
 * /sandbox.html shell (strict CSP header: no network), then receives its document by postMessage.
 */

export type FrameOutcome = { ok: true; height: number } | { ok: false; message: string };

export type FrameEvent = { kind: "error"; message: string } | { kind: "height"; height: number } | { kind: "stopped"; message: string };

/** Why a frame was removed: its document was replaced by one the page did not give it. */
export const NAVIGATED_MESSAGE = "stopped: the block tried to leave its sandbox (it navigated its frame)";

/** How long a document may take to load before the page gives up on it and keeps the last good one. */
const LOAD_TIMEOUT_MS = 4_000;
export const SANDBOX_URL = "/sandbox.html";

interface FrameMessage {
  type: string;
  kind?: string;
  message?: string;
  height?: number;
}

function isFrameMessage(data: unknown): data is FrameMessage {
  return typeof data === "object" && data !== null && typeof (data as { type?: unknown }).type === "string";
}

export class SandboxFrame {
  readonly element: HTMLIFrameElement;
  private settle: ((outcome: FrameOutcome) => void) | undefined;
  private html: string | undefined;
  /** The shell has loaded (the element's load event): only then is the frame's window touched. */
  private ready = false;
  /** The element's load events so far: the shell's, then the posted document's (document.close fires one). */
  private loads = 0;
  private readonly listener = (event: MessageEvent) => this.onMessage(event);

  /**
   * The frame starts loading the empty shell as soon as it is put in the page, so that a later load()
   * only posts the document: a block prepares its next frame while the main thread is idle, not when a
   * render is due. The shell's URL is set before the frame enters the page, so the browser never loads
   * an about:blank document in the page's own process first.
   */
  constructor(title: string, private readonly onEvent: (event: FrameEvent) => void) {
    this.element = document.createElement("iframe");
    this.element.setAttribute("sandbox", "allow-scripts");
    this.element.setAttribute("referrerpolicy", "no-referrer");
    this.element.title = title;
    this.element.className = "sandbox-frame";
    this.element.src = SANDBOX_URL;
    this.element.addEventListener("load", () => this.onLoad());
    window.addEventListener("message", this.listener);
  }

  /** Loads `html` into the frame (which must be in the page); resolves once it rendered or failed. Once per frame. */
  load(html: string): Promise<FrameOutcome> {
    this.html = html;
    const outcome = new Promise<FrameOutcome>((resolve) => {
      const timer = window.setTimeout(() => resolve({ ok: false, message: "the block took too long to render" }), LOAD_TIMEOUT_MS);
      this.settle = (value) => {
        window.clearTimeout(timer);
        this.settle = undefined;
        resolve(value);
      };
    });
    if (this.ready) this.post();
    return outcome;
  }

  dispose(): void {
    window.removeEventListener("message", this.listener);
    this.settle?.({ ok: false, message: "replaced" });
    this.element.remove();
  }

  private post(): void {
    this.element.contentWindow?.postMessage({ type: "spark-render", html: this.html }, "*");
  }

  /**
   * A document the page did not give the frame (the block's script navigated it: to a data: or blob: URL,
   * another site, or back to a gateway page) would not run the reporter that removes WebRTC. The page's
   * CSP (frame-src 'self') already refuses every navigation but one to the gateway's own pages; this is
   * the second lock: any load beyond the shell's and the posted document's removes the frame at once.
   */
  private onLoad(): void {
    this.loads += 1;
    if (this.loads === 1) this.onShellLoaded();
    else if (this.loads > (this.html === undefined ? 1 : 2)) this.stop();
  }

  private stop(): void {
    this.element.remove();
    if (this.settle) this.settle({ ok: false, message: NAVIGATED_MESSAGE });
    else this.onEvent({ kind: "stopped", message: NAVIGATED_MESSAGE });
  }

  /**
   * The shell's script has run (it is inline), so its listener waits for the document. Until this point
   * the frame's window is never read: reading the window of a frame still on its initial empty document
   * makes the browser build a script context for it in the page's process (milliseconds each, on the
   * page's main thread), only for it to be thrown away when the shell arrives.
   */
  private onShellLoaded(): void {
    this.ready = true;
    if (this.html !== undefined) this.post();
  }

  private onMessage(event: MessageEvent): void {
    // Only this frame's own window; its origin is opaque ("null"), so the source is what identifies it.
    if (!this.ready || event.source !== this.element.contentWindow || !isFrameMessage(event.data)) return;
    const data = event.data;
    if (data.type !== "spark-frame") return;
    const height = typeof data.height === "number" ? data.height : 0;
    const message = typeof data.message === "string" ? data.message : "script error";
    if (data.kind === "rendered") this.settle?.({ ok: true, height });
    else if (data.kind === "failed") this.settle?.({ ok: false, message: "the block's script failed" });
    else if (data.kind === "height") this.onEvent({ kind: "height", height });
    else if (data.kind === "error") {
      if (this.settle) this.settle({ ok: false, message });
      else this.onEvent({ kind: "error", message });
    }
  }
}
