import DOMPurify from "dompurify";
import { Marked } from "marked";
import type { Highlighter } from "./code-highlight.js";

/**
 * Markdown to sanitised nodes: the model's text never reaches the page as live markup. The nodes come
 * straight from the sanitiser's own parse (no second parse of its output by innerHTML, and no output
 * string to build), which also leaves no gap between what was checked and what is shown.
 */
export type MarkdownToNodes = (markdown: string) => DocumentFragment;

/**
 * Every link the model writes opens in a new tab, with no opener and no referrer: a click while an answer
 * streams never navigates the page away from the partial answer, and the linked page gets no handle on
 * this one. A link within the answer (#fragment) stays in the page.
 */
function openLinksApart(purifier: ReturnType<typeof DOMPurify>): void {
  purifier.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName !== "A" || !node.hasAttribute("href")) return;
    if ((node.getAttribute("href") ?? "").startsWith("#")) return;
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  });
}

export function createMarkdownRenderer(highlight: Highlighter): MarkdownToNodes {
  const purifier = DOMPurify(window);
  // Set once: a configuration passed to each sanitize() call is parsed again on every call, which cost
  // as much as the sanitising itself at one call per streamed frame.
  // No <style>: the page's CSP already refuses inline styles, and an answer has no business styling the
  // page (a block that starts with one only lost it by the parser's placing it in the discarded head).
  purifier.setConfig({ USE_PROFILES: { html: true }, FORBID_TAGS: ["style"], RETURN_DOM_FRAGMENT: true });
  openLinksApart(purifier);
  const marked = new Marked({
    gfm: true,
    renderer: {
      code({ text, lang }) {
        const language = (lang ?? "").split(/\s/)[0]?.toLowerCase() ?? "";
        return `<pre><code class="hljs">${highlight(text, language)}</code></pre>`;
      },
    },
  });
  // setConfig's RETURN_DOM_FRAGMENT makes sanitize() return a fragment; its typings only see per-call configs.
  return (markdown) => purifier.sanitize(marked.parse(markdown, { async: false })) as unknown as DocumentFragment;
}
