import type { Theme } from "./frame-document.js";

type Mermaid = (typeof import("mermaid"))["default"];

/**
 * Renders Mermaid source to SVG. Mermaid is imported on first use, so its chunks load only when a diagram
 * appears. Renders run one at a time: Mermaid keeps global configuration and a scratch element.
 */
export class MermaidRenderer {
  private module: Promise<Mermaid> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private renders = 0;
  private configuredTheme: Theme | undefined;

  constructor(private readonly theme: () => Theme) {}

  render(source: string): Promise<string> {
    const run = this.queue.then(() => this.renderNow(source));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async renderNow(source: string): Promise<string> {
    const mermaid = await (this.module ??= import("mermaid").then((loaded) => loaded.default));
    const theme = this.theme();
    if (this.configuredTheme !== theme) {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: theme === "dark" ? "dark" : "default" });
      this.configuredTheme = theme;
    }
    // parse() throws a readable error for invalid or unfinished source; render() would draw an error bomb.
    await mermaid.parse(source);
    // Parsing and laying out are both long: let a frame be drawn between them.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const { svg } = await mermaid.render(`spark-mermaid-${++this.renders}`, source);
    return svg;
  }
}
