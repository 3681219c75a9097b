import type { Highlighter } from "./code-highlight.js";

/**
 * Code blocks highlighted off the page's main thread, in highlight-worker.ts. The worker starts on first
 * use (the page asks for it in idle time after load); if it cannot start or fails, every request waiting
 * on it and every later one is highlighted on the main thread instead, so a block is never left waiting.
 */
export type AsyncHighlighter = (code: string, lang: string) => Promise<string>;

interface Reply {
  id: number;
  html?: string;
  error?: string;
}

interface Waiting {
  resolve(html: string): void;
  code: string;
  lang: string;
}

export function createWorkerHighlighter(fallback: Highlighter): AsyncHighlighter {
  let worker: Worker | undefined;
  let broken = false;
  let requests = 0;
  const waiting = new Map<number, Waiting>();
  const onMainThread = ({ resolve, code, lang }: Waiting) => resolve(fallback(code, lang));
  const fail = () => {
    broken = true;
    worker?.terminate();
    for (const request of waiting.values()) onMainThread(request);
    waiting.clear();
  };
  const onReply = (reply: Reply) => {
    const request = waiting.get(reply.id);
    if (!request) return;
    waiting.delete(reply.id);
    if (typeof reply.html === "string") request.resolve(reply.html);
    else onMainThread(request);
  };
  const start = (): Worker | undefined => {
    try {
      const started = new Worker(new URL("./highlight-worker.ts", import.meta.url), { type: "module", name: "highlighter" });
      started.addEventListener("message", (event: MessageEvent<Reply>) => onReply(event.data));
      started.addEventListener("error", fail);
      started.addEventListener("messageerror", fail);
      return started;
    } catch {
      broken = true;
      return undefined;
    }
  };
  return (code, lang) => {
    if (!broken) worker ??= start();
    if (broken || !worker) return Promise.resolve(fallback(code, lang));
    const id = ++requests;
    const running = worker;
    return new Promise<string>((resolve) => {
      waiting.set(id, { resolve, code, lang });
      running.postMessage({ id, code, lang });
    });
  };
}

/**
 * The nodes of highlighted markup, parsed in an inert template, if they are nothing but text and <span>s
 * with a class (all highlight.js makes); anything else and the caller keeps the plain text. The markup
 * comes from the page's own worker, but from the model's text: this holds even if the highlighter ever
 * let markup through unescaped.
 */
export function highlightedNodes(html: string): DocumentFragment | undefined {
  const template = document.createElement("template");
  template.innerHTML = html;
  const walker = document.createTreeWalker(template.content, NodeFilter.SHOW_ELEMENT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node as Element;
    const onlyClass = element.attributes.length === 0 || (element.attributes.length === 1 && element.hasAttribute("class"));
    if (element.localName !== "span" || element.namespaceURI !== "http://www.w3.org/1999/xhtml" || !onlyClass) return undefined;
  }
  return template.content;
}
