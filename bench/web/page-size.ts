import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Bytes of the built web UI: what the first visit loads, the highlighting worker, and Mermaid's chunks, loaded on demand. */

export interface SizeFigure {
  files: number;
  bytes: number;
  gzipBytes: number;
}

export interface PageSize {
  /** index.html plus the scripts, styles and preloads it names. */
  initial: SizeFigure;
  /** The code highlighting worker's script, fetched in idle time after the first load. */
  worker: SizeFigure;
  /** Every other script chunk: the diagram renderer frame (Mermaid and its diagram types), fetched only when a diagram appears. */
  lazy: SizeFigure;
  /** The diagram renderer frame's entry chunk alone (Mermaid's core, the first thing a diagram fetches). */
  mermaidCore: SizeFigure;
}

function figure(dir: string, names: string[]): SizeFigure {
  let bytes = 0;
  let gzipBytes = 0;
  for (const name of names) {
    const body = readFileSync(join(dir, name));
    bytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  return { files: names.length, bytes, gzipBytes };
}

export function measurePageSize(webDir: string): PageSize {
  const html = readFileSync(join(webDir, "index.html"), "utf8");
  const referenced = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
  const chunks = readdirSync(join(webDir, "assets")).filter((name) => name.endsWith(".js")).map((name) => `assets/${name}`);
  const worker = chunks.filter((chunk) => /\/highlight-worker-/.test(chunk));
  const lazy = chunks.filter((chunk) => !referenced.includes(chunk) && !worker.includes(chunk));
  return {
    initial: figure(webDir, ["index.html", ...referenced]),
    worker: figure(webDir, worker),
    lazy: figure(webDir, lazy),
    mermaidCore: figure(webDir, lazy.filter((chunk) => /\/mermaid(-frame|\.core)-/.test(chunk))),
  };
}
