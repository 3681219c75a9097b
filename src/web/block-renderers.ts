import { frameDocument, svgFrameBody, type Theme } from "./frame-document.js";
import type { MermaidRenderer } from "./mermaid-renderer.js";

/** The fenced languages that come alive, and how each becomes a frame document. */
export type InteractiveKind = "mermaid" | "svg" | "html";

export function interactiveKind(lang: string): InteractiveKind | undefined {
  return lang === "mermaid" || lang === "svg" || lang === "html" ? lang : undefined;
}

export const KIND_INFO: Record<InteractiveKind, { label: string; file: string; mime: string }> = {
  mermaid: { label: "Mermaid diagram", file: "diagram.mmd", mime: "text/plain" },
  svg: { label: "SVG image", file: "image.svg", mime: "image/svg+xml" },
  html: { label: "HTML app", file: "app.html", mime: "text/html" },
};

export interface RenderDeps {
  mermaid: MermaidRenderer;
  theme: () => Theme;
}

/** The frame document of a block; throws with a readable message when the source cannot render (yet). */
export async function frameDocumentFor(kind: InteractiveKind, source: string, deps: RenderDeps): Promise<string> {
  switch (kind) {
    case "html":
      return frameDocument(source, deps.theme(), false);
    case "svg":
      return frameDocument(svgFrameBody(source), deps.theme(), true);
    case "mermaid":
      return frameDocument(await deps.mermaid.render(source), deps.theme(), true);
  }
}
