import DOMPurify from "dompurify";
import type { Marked } from "marked";
import { createMarked } from "./markdown-grammar.js";

/**
 * Markdown to sanitised nodes: the model's text never reaches the page as live markup. The nodes are
 * parsed once, in an inert document (no script runs and nothing loads there), checked there as nodes and
 * moved into the page as they are (no second parse of a string, so no gap between what was checked and
 * what is shown).
 */
export type MarkdownToNodes = (markdown: string) => DocumentFragment;

/**
 * Calls that share one inert document. DOMPurify's own string path parses each call into a new
 * DOMParser document, the larger part of a streamed frame's sanitising; one document for ever is no
 * better: a document keeps every NodeIterator made on it (the sanitiser makes one per call) until garbage
 * collection, and each node moved out of it walks them all (1,000 of them made a move 13 times dearer).
 */
const CALLS_PER_DOCUMENT = 32;

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

/** marked's HTML for `markdown`; undefined where marked gives up (hostile nesting overflows its stack). */
function markupOf(marked: Marked, markdown: string): string | undefined {
  try {
    return marked.parse(markdown, { async: false });
  } catch {
    return undefined;
  }
}

/** Text marked cannot read, shown as it is: as text, never as markup. */
function plainText(markdown: string): HTMLElement {
  const pre = document.createElement("pre");
  pre.className = "unrendered";
  pre.textContent = markdown;
  return pre;
}

export function createMarkdownRenderer(): MarkdownToNodes {
  const purifier = DOMPurify(window);
  // Set once: a configuration passed to each sanitize() call is parsed again on every call, which cost
  // as much as the sanitising itself at one call per streamed frame.
  // No <style>: the page's CSP already refuses inline styles, and an answer has no business styling the
  // page (a block that starts with one only lost it by the parser's placing it in the discarded head).
  // IN_PLACE: the holder's nodes are checked where they were parsed, in the inert document.
  purifier.setConfig({ USE_PROFILES: { html: true }, FORBID_TAGS: ["style"], IN_PLACE: true });
  openLinksApart(purifier);
  const marked = createMarked();
  const freshHolder = () => document.implementation.createHTMLDocument("").createElement("div");
  let holder = freshHolder();
  let calls = 0;
  return (markdown) => {
    if (++calls % CALLS_PER_DOCUMENT === 0) holder = freshHolder();
    // Parsed in the inert document: an <img onerror> or a <script> there neither loads nor runs.
    const html = markupOf(marked, markdown);
    if (html === undefined) holder.replaceChildren(plainText(markdown));
    else {
      holder.innerHTML = html;
      purifier.sanitize(holder);
    }
    // Moved (adopted) into the page only once checked; the holder is left empty for the next call. One
    // node at a time: append(...childNodes) throws past V8's argument limit (~120,000 nodes in one block).
    const nodes = document.createDocumentFragment();
    while (holder.firstChild) nodes.appendChild(holder.firstChild);
    return nodes;
  };
}
