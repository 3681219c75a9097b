import type { Theme } from "./frame-document.js";

/**
 * Renders Mermaid source to SVG in the diagram renderer frame (/mermaid-frame.html, see mermaid-frame.ts).
 * The frame, and Mermaid with it, is loaded on the first diagram only. Results come back by request id;
 * a request that gets no answer in time fails, and the block keeps its last good render.
 */

export const MERMAID_FRAME_URL = "/mermaid-frame.html";
/** The first render includes loading Mermaid (a few hundred kilobytes of script). */
const RENDER_TIMEOUT_MS = 20_000;

interface Pending {
  resolve(svg: string): void;
  reject(error: Error): void;
  timer: number;
}

interface ResultMessage {
  type: string;
  id?: number;
  svg?: string;
  error?: string;
}

export class MermaidRenderer {
  private frame: HTMLIFrameElement | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<number, Pending>();
  private requests = 0;

  constructor(private readonly theme: () => Theme) {}

  async render(source: string): Promise<string> {
    await (this.ready ??= this.startFrame());
    const id = ++this.requests;
    return new Promise<string>((resolve, reject) => {
      const timer = window.setTimeout(() => this.settle(id, { type: "timeout", error: "the diagram renderer did not answer in time" }), RENDER_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.frame?.contentWindow?.postMessage({ type: "spark-mermaid-render", id, source, theme: this.theme() }, "*");
    });
  }

  private startFrame(): Promise<void> {
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", "allow-scripts");
    frame.setAttribute("aria-hidden", "true");
    frame.tabIndex = -1;
    frame.title = "Diagram renderer";
    frame.className = "mermaid-renderer";
    this.frame = frame;
    return new Promise<void>((resolve, reject) => {
      const timer = window.setTimeout(() => reject(new Error("the diagram renderer did not start; reload the page")), RENDER_TIMEOUT_MS);
      window.addEventListener("message", (event: MessageEvent) => {
        // The type first: reading the frame's window for another frame's message while this one is still on its
        // empty first document would build a script context for that document in the page's process.
        const data = event.data as ResultMessage | null;
        if (data?.type !== "spark-mermaid-ready" && data?.type !== "spark-mermaid-result") return;
        if (event.source !== frame.contentWindow) return;
        if (data.type === "spark-mermaid-ready") {
          window.clearTimeout(timer);
          resolve();
        } else if (data.type === "spark-mermaid-result" && typeof data.id === "number") {
          this.settle(data.id, data);
        }
      });
      frame.src = MERMAID_FRAME_URL;
      document.body.append(frame);
    });
  }

  private settle(id: number, result: ResultMessage): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    window.clearTimeout(pending.timer);
    if (typeof result.svg === "string") pending.resolve(result.svg);
    else pending.reject(new Error(result.error ?? "the diagram could not be rendered"));
  }
}
