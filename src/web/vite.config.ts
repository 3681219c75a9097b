import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

/**
 * Builds the browser UI (src/web) into dist/web, which the gateway serves at `/`. Mermaid belongs to the
 * second page, the diagram renderer frame, so it lands in chunks of its own that load only when a
 * diagram appears.
 */
const webRoot = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: webRoot,
  base: "/",
  publicDir: "public",
  logLevel: "warn",
  // The highlighting worker as an ES module file of its own, loaded from the page's origin.
  worker: { format: "es" },
  build: {
    outDir: fileURLToPath(new URL("../../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // Mermaid's own chunks are large by nature and load on demand only.
    chunkSizeWarningLimit: 2_000,
    reportCompressedSize: false,
    rollupOptions: {
      // The page, the diagram renderer frame that loads Mermaid when the first diagram appears, and the eval results page.
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        "mermaid-frame": fileURLToPath(new URL("mermaid-frame.html", import.meta.url)),
        eval: fileURLToPath(new URL("eval.html", import.meta.url)),
      },
    },
  },
});
