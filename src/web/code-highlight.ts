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

/**
 * Syntax highlighting for a handful of common languages only: the full highlight.js bundle would multiply
 * the page's size. Unknown languages are shown escaped, without colours.
 */
export type Highlighter = (code: string, lang: string) => string;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function createHighlighter(): Highlighter {
  const instance = hljs.newInstance();
  const languages = { bash, css, diff, go, javascript, json, python, rust, sql, typescript, xml, yaml };
  for (const [name, language] of Object.entries(languages)) instance.registerLanguage(name, language);
  instance.registerAliases(["sh", "shell", "zsh"], { languageName: "bash" });
  instance.registerAliases(["js", "jsx", "mjs"], { languageName: "javascript" });
  instance.registerAliases(["ts", "tsx"], { languageName: "typescript" });
  instance.registerAliases(["html", "svg"], { languageName: "xml" });
  instance.registerAliases(["py"], { languageName: "python" });
  instance.registerAliases(["rs"], { languageName: "rust" });
  instance.registerAliases(["yml"], { languageName: "yaml" });
  return (code, lang) => (lang !== "" && instance.getLanguage(lang) ? instance.highlight(code, { language: lang, ignoreIllegals: true }).value : escapeHtml(code));
}
