import DOMPurify from "dompurify";
import { Marked } from "marked";
import type { Highlighter } from "./code-highlight.js";

/** Markdown to sanitised HTML: the model's text never reaches the page as live markup. */
export type MarkdownToHtml = (markdown: string) => string;

export function createMarkdownRenderer(highlight: Highlighter): MarkdownToHtml {
  const purifier = DOMPurify(window);
  const marked = new Marked({
    gfm: true,
    renderer: {
      code({ text, lang }) {
        const language = (lang ?? "").split(/\s/)[0]?.toLowerCase() ?? "";
        return `<pre><code class="hljs">${highlight(text, language)}</code></pre>`;
      },
    },
  });
  return (markdown) => purifier.sanitize(marked.parse(markdown, { async: false }), { USE_PROFILES: { html: true } });
}
