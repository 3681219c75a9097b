import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { escapeHtml } from "./escape-html.js";

/**
 * Syntax highlighting for a handful of common languages only: the full highlight.js bundle would multiply
 * the page's size. Unknown languages are shown escaped, without colours.
 */
export type Highlighter = (code: string, lang: string) => string;

const LANGUAGES = { bash, css, diff, go, javascript, json, python, rust, sql, typescript, xml, yaml };

/**
 * Blocks longer than this are shown escaped, without colours: the worker's markup for a 1 MB block took
 * 560 ms of the main thread to show, and highlight.js's time grows quadratically on some inputs.
 */
export const MAX_HIGHLIGHTED_CHARS = 50_000;

export function createHighlighter(maxChars = MAX_HIGHLIGHTED_CHARS): Highlighter {
  const instance = hljs.newInstance();
  for (const [name, language] of Object.entries(LANGUAGES)) instance.registerLanguage(name, language);
  instance.registerAliases(["sh", "shell", "zsh"], { languageName: "bash" });
  instance.registerAliases(["js", "jsx", "mjs"], { languageName: "javascript" });
  instance.registerAliases(["ts", "tsx"], { languageName: "typescript" });
  instance.registerAliases(["html", "svg"], { languageName: "xml" });
  instance.registerAliases(["py"], { languageName: "python" });
  instance.registerAliases(["rs"], { languageName: "rust" });
  instance.registerAliases(["yml"], { languageName: "yaml" });
  return (code, lang) => (lang !== "" && code.length <= maxChars && instance.getLanguage(lang) ? instance.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code));
}

/**
 * One step per language that highlights a word in it: highlight.js compiles a language's patterns on its
 * first use (up to ~25 ms for the larger grammars, traced), which would otherwise delay the first block
 * of each language.
 */
export function highlighterWarmUp(highlight: Highlighter): (() => void)[] {
  return Object.keys(LANGUAGES).map((name) => () => void highlight("x", name));
}
