import { createHighlighter, highlighterWarmUp } from "./code-highlight.js";

/**
 * The page's highlighting thread: a dedicated Worker from the page's own origin (the page's CSP allows
 * `worker-src 'self'` and nothing else: no blob: or data: worker, no eval). It receives a code block's
 * text and language and answers with highlight.js's markup; highlighting took ~8% of the page's main
 * thread while a fast answer streamed. It has no DOM and no access to the page: what it sends back is
 * only a string, which the page admits as nothing but spans and text (see worker-highlighter.ts).
 */

interface HighlightRequest {
  id: number;
  code: string;
  lang: string;
}

const highlight = createHighlighter();
// Each language compiled at start, here rather than in the first block's request (up to ~25 ms each).
for (const step of highlighterWarmUp(highlight)) step();

addEventListener("message", (event: MessageEvent<HighlightRequest>) => {
  const { id, code, lang } = event.data;
  try {
    postMessage({ id, html: highlight(code, lang) });
  } catch (error) {
    postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
