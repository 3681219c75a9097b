import type { Highlighter } from "./code-highlight.js";
import { whenIdle } from "./idle.js";

/**
 * Code blocks highlighted off the page's main thread, in highlight-worker.ts. The worker starts on first
 * use (the page asks for it in idle time after load); if it cannot start or fails, every request waiting
 * on it and every later one is highlighted on the main thread instead, so a block is never left waiting.
 * Resolves to highlight.js's markup, or to nothing for a block left as it is (one that stalled the worker).
 */
export type AsyncHighlighter = (code: string, lang: string) => Promise<string | undefined>;

/**
 * How long the worker may spend on one block. highlight.js takes quadratic time on some inputs (a 32 KB
 * TypeScript string: 5.5 s; Rust's `r#"` repeated: minutes at 1 MB): past this, that block stays plain
 * text and the worker is replaced, so one hostile block never holds back the blocks after it.
 */
const STALL_MS = 2_000;
/** A highlighted block is shown in idle time, at the latest this long after its markup came back. */
const SHOW_TIMEOUT_MS = 500;
/** The idle time showing it wants left before it starts (parsing the markup: under 1 ms for a short block, more for long ones). */
const SHOW_BUDGET_MS = 4;

interface Reply {
  id: number;
  html?: string;
  error?: string;
}

interface Waiting {
  resolve(html: string | undefined): void;
  code: string;
  lang: string;
}

export function createWorkerHighlighter(fallback: Highlighter): AsyncHighlighter {
  let worker: Worker | undefined;
  let broken = false;
  let requests = 0;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  // In id order (a Map keeps insertion order): the worker answers in that order, so the first is the one it works on.
  const waiting = new Map<number, Waiting>();
  const onMainThread = ({ resolve, code, lang }: Waiting) => resolve(fallback(code, lang));
  /** Restarts the stall timer for the request the worker is on now, if any. */
  const watch = () => {
    clearTimeout(watchdog);
    watchdog = waiting.size > 0 ? setTimeout(stalled, STALL_MS) : undefined;
  };
  const fail = () => {
    broken = true;
    clearTimeout(watchdog);
    worker?.terminate();
    for (const request of waiting.values()) onMainThread(request);
    waiting.clear();
  };
  const onReply = (reply: Reply) => {
    const request = waiting.get(reply.id);
    if (!request) return;
    waiting.delete(reply.id);
    watch();
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
  /** The block in the worker took too long: it stays plain text (never moved to the main thread), the rest go to a new worker. */
  function stalled(): void {
    const [first] = waiting;
    if (!first) return;
    const [id, request] = first;
    waiting.delete(id);
    request.resolve(undefined);
    worker?.terminate();
    worker = start();
    if (!worker) return fail();
    for (const [next, { code, lang }] of waiting) worker.postMessage({ id: next, code, lang });
    watch();
  }
  return (code, lang) => {
    if (!broken) worker ??= start();
    if (broken || !worker) return Promise.resolve(fallback(code, lang));
    const id = ++requests;
    const running = worker;
    return new Promise<string | undefined>((resolve) => {
      waiting.set(id, { resolve, code, lang });
      running.postMessage({ id, code, lang });
      if (waiting.size === 1) watch();
    });
  };
}

/**
 * Highlights `code` into `element` off the main thread, and shows it in idle time, only if the markup is
 * nothing but spans and text (highlightedNodes); until then, and otherwise, the element keeps its text
 * (marked data-highlight="refused" when the markup was not admitted).
 */
export function highlightInto(element: HTMLElement, code: string, lang: string, highlight: AsyncHighlighter): void {
  void highlight(code, lang).then((html) => {
    if (html === undefined) return;
    whenIdle(
      () => {
        const nodes = highlightedNodes(html);
        // Refused markup leaves the text as it was, and says so: the block's outcome is known, not pending.
        if (!nodes) {
          element.dataset.highlight = "refused";
          return;
        }
        element.className = "hljs";
        element.replaceChildren(nodes);
      },
      SHOW_TIMEOUT_MS,
      SHOW_BUDGET_MS,
    );
  });
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
