import mermaid from "mermaid";

/**
 * The diagram renderer: a hidden iframe with sandbox="allow-scripts" (an opaque origin, in its own process
 * where the browser isolates sandboxed frames) that turns Mermaid source into SVG for the page. Mermaid's
 * parsing and layout take tens of milliseconds per diagram; here they do not hold up the page's frames,
 * and Mermaid never touches the page's DOM. The gateway serves this document with a CSP that allows
 * scripts from its own files only and no network.
 */

interface RenderRequest {
  type: "spark-mermaid-render";
  id: number;
  source: string;
  theme: "light" | "dark";
}

function isRenderRequest(data: unknown): data is RenderRequest {
  const request = data as Partial<RenderRequest> | null;
  return typeof request === "object" && request !== null && request.type === "spark-mermaid-render" && typeof request.id === "number" && typeof request.source === "string";
}

let configuredTheme: string | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function render(request: RenderRequest): Promise<string> {
  if (configuredTheme !== request.theme) {
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: request.theme === "dark" ? "dark" : "default" });
    configuredTheme = request.theme;
  }
  // parse() throws a readable error for invalid or unfinished source; render() would draw an error bomb.
  await mermaid.parse(request.source);
  const { svg } = await mermaid.render(`spark-diagram-${request.id}`, request.source);
  return svg;
}

addEventListener("message", (event: MessageEvent) => {
  if (event.source !== parent || !isRenderRequest(event.data)) return;
  const request = event.data;
  // One at a time: Mermaid keeps global configuration and a scratch element.
  queue = queue.then(async () => {
    try {
      parent.postMessage({ type: "spark-mermaid-result", id: request.id, svg: await render(request) }, "*");
    } catch (error) {
      parent.postMessage({ type: "spark-mermaid-result", id: request.id, error: error instanceof Error ? error.message : String(error) }, "*");
    }
  });
});

parent.postMessage({ type: "spark-mermaid-ready" }, "*");
