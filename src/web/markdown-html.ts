import DOMPurify from "dompurify";
import { Marked } from "marked";
import type { Highlighter } from "./code-highlight.js";

/**
 * Markdown to sanitised nodes: the model's text never reaches the page as live markup. The nodes come
 * straight from the sanitiser's walk (no second parse of its output by innerHTML, and no output string
 * to build), which also leaves no gap between what was checked and what is shown.
 */
export type MarkdownToNodes = (markdown: string) => Node;

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

/**
 * Parses and sanitises in the page's inert template document. Handed a string, DOMPurify builds a new
 * document per call (DOMParser), the largest single cost of a streamed frame with live blocks. Here the
 * markup is parsed into a holder element of the document the browser keeps for `<template>` contents
 * (no browsing context: nothing in it loads or runs, so no image fetch and no onerror), cleaned there in
 * place, and the holder itself goes into the page: one node to adopt, not each of its children, which
 * measured several times faster. The parse is the fragment algorithm in the holder's context, so a stray
 * `</div>` or `</body>` cannot lift markup out of the holder and past the sanitiser.
 *
 * Returns undefined when DOMPurify refuses a tree (it throws when it cannot vouch for one in place).
 */
export function createSanitiser(): (html: string) => HTMLElement | undefined {
  const purifier = DOMPurify(window);
  // Set once: a configuration passed to each sanitize() call is parsed again on every call, which cost
  // as much as the sanitising itself at one call per streamed frame. No <style>: the page's CSP already
  // refuses inline styles, and an answer has no business styling the page.
  purifier.setConfig({ USE_PROFILES: { html: true }, FORBID_TAGS: ["style"], IN_PLACE: true });
  openLinksApart(purifier);
  const inert = document.createElement("template").content.ownerDocument;
  return (html) => {
    const holder = inert.createElement("div");
    holder.innerHTML = html;
    try {
      purifier.sanitize(holder);
    } catch {
      return undefined;
    }
    return holder;
  };
}

export function createMarkdownRenderer(highlight: Highlighter): MarkdownToNodes {
  const sanitise = createSanitiser();
  const marked = new Marked({
    gfm: true,
    renderer: {
      code({ text, lang }) {
        const language = (lang ?? "").split(/\s/)[0]?.toLowerCase() ?? "";
        return `<pre><code class="hljs">${highlight(text, language)}</code></pre>`;
      },
    },
  });
  // What the sanitiser refuses is shown as its markdown text.
  return (markdown) => sanitise(marked.parse(markdown, { async: false })) ?? document.createTextNode(markdown);
}
