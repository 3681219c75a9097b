import { frameDocument, type Theme } from "./frame-document.js";
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

/** Throws with a readable message when the source cannot render (yet): the caller keeps its last render. */
function checkSvg(source: string): void {
  const parsed = new DOMParser().parseFromString(source, "image/svg+xml");
  const error = parsed.querySelector("parsererror");
  if (error || parsed.documentElement.localName !== "svg") {
    throw new Error(`the SVG is not well-formed: ${(error?.textContent ?? "no <svg> root").trim().split("\n")[0] ?? ""}`);
  }
}

export async function frameDocumentFor(kind: InteractiveKind, source: string, deps: RenderDeps): Promise<string> {
  switch (kind) {
    case "html":
      return frameDocument(source, deps.theme(), false);
    case "svg":
      checkSvg(source);
      return frameDocument(source, deps.theme(), true);
    case "mermaid":
      return frameDocument(await deps.mermaid.render(source), deps.theme(), true);
  }
}
