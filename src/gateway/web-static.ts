import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Serves the built web UI (dist/web, made by `vite build`) at `/`. The files are read once at start (the
 * bundle is a few megabytes, mostly Mermaid's lazy chunks) with an ETag each and, for text, a gzipped
 * copy. The page goes out under a strict CSP; /sandbox.html, the shell of every interactive block's
 * frame, under an even stricter one that forbids any network access, and the highlighting worker's
 * script under one that forbids everything. Every file is sent with nosniff.
 */

/** dist/gateway/../web: where `npm run build` puts the UI, next to the compiled gateway. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../web", import.meta.url));

export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
    "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  // The highlighting worker: the page's own script file only (no blob: or data: worker).
  "worker-src 'self'",
  // Checked for every navigation of the page's frames, those a block's script starts in its own frame
  // too: a frame that left for a data:/blob: document (no WebRTC removal) or another site is refused.
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * The diagram renderer frame (sandboxed, opaque origin): the UI's own scripts (Mermaid), no network
 * otherwise; Mermaid writes inline styles into its SVG.
 */
export const MERMAID_FRAME_CSP = "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src data:; font-src data:; form-action 'none'; frame-ancestors 'self'";

/** The interactive blocks' frames: inline script and style only, no network, not even the gateway. */
export const SANDBOX_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; media-src data: blob:; form-action 'none'; frame-ancestors 'self'";

/**
 * The highlighting worker's script. A worker's CSP is the one its script's response carries, not the
 * page's: this worker only turns text into markup, so it may load, fetch and evaluate nothing.
 */
export const WORKER_CSP = "default-src 'none'";

/** Vite names the worker's bundle after its source, src/web/highlight-worker.ts, with a content hash. */
const WORKER_SCRIPT = /^\/assets\/highlight-worker-[\w-]+\.js$/;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

interface StaticFile {
  body: Buffer;
  gzipped: Buffer | undefined;
  headers: Record<string, string>;
}

function cacheControl(path: string): string {
  // Vite puts a content hash in every name under assets/: such a file never changes.
  if (path.startsWith("/assets/")) return "public, max-age=31536000, immutable";
  // Loaded by every render of an interactive block: let the browser keep it a while.
  if (path === "/sandbox.html") return "public, max-age=600";
  return "no-cache";
}

function securityHeaders(path: string): Record<string, string> {
  const common = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };
  if (path === "/sandbox.html") return { ...common, "content-security-policy": SANDBOX_CSP };
  if (path === "/mermaid-frame.html") return { ...common, "content-security-policy": MERMAID_FRAME_CSP };
  // The diagram renderer frame has an opaque origin, so its module scripts are cross-origin requests.
  if (WORKER_SCRIPT.test(path)) return { ...common, "content-security-policy": WORKER_CSP };
  if (path.startsWith("/assets/")) return { ...common, "access-control-allow-origin": "*" };
  if (path === "/index.html" || path === "/eval.html") return { ...common, "content-security-policy": PAGE_CSP, "x-frame-options": "DENY" };
  return common;
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const file of listFiles(dir)) {
    const path = `/${relative(dir, file).split(sep).join("/")}`;
    const type = CONTENT_TYPES[extname(file)] ?? "application/octet-stream";
    const body = readFileSync(file);
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type) && body.length > 1024;
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
    files.set(path, {
      body,
      gzipped: compressible ? gzipSync(body, { level: 9 }) : undefined,
      headers: { "content-type": type, "cache-control": cacheControl(path), etag, vary: "accept-encoding", ...securityHeaders(path) },
    });
  }
  return files;
}

function send(file: StaticFile, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  void reply.headers(file.headers);
  if (request.headers["if-none-match"] === file.headers.etag) return reply.code(304).send();
  const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
  if (file.gzipped && acceptsGzip) return reply.header("content-encoding", "gzip").send(file.gzipped);
  return reply.send(file.body);
}

/** Registers GET / and the UI's files; an unbuilt UI gets a page that says how to build it. */
export function registerWebStatic(app: FastifyInstance, dir: string = DEFAULT_WEB_DIR): void {
  const files = existsSync(join(dir, "index.html")) ? loadFiles(dir) : new Map<string, StaticFile>();
  const index = files.get("/index.html");
  app.get("/", (request, reply) => {
    if (index) return send(index, request, reply);
    return reply
      .code(503)
      .type("text/plain; charset=utf-8")
      .send(`The web UI is not built (no ${join(dir, "index.html")}). Run \`npm run build\` in Spark's folder, then restart \`spark serve\`.\n`);
  });
  app.get("/*", (request, reply) => {
    const file = files.get(request.url.split("?")[0] ?? "");
    if (!file || file === index) return reply.callNotFound();
    return send(file, request, reply);
  });
}
