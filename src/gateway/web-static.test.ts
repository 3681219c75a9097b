import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { PAGE_CSP, registerWebStatic, SANDBOX_CSP, WORKER_CSP } from "./web-static.js";

function builtUi(): string {
  const dir = mkdtempSync(join(tmpdir(), "spark-web-static-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, "sandbox.html"), "<!doctype html><p>shell</p>");
  writeFileSync(join(dir, "assets", "index-abc.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
  writeFileSync(join(dir, "assets", "highlight-worker-Bp8z_9R.js"), "postMessage(1);");
  writeFileSync(join(dir, "assets", "style-abc.css"), "body {}");
  return dir;
}

async function app(dir: string) {
  const server = Fastify();
  registerWebStatic(server, dir);
  server.setNotFoundHandler((_request, reply) => void reply.code(404).send({ error: "not found" }));
  await server.ready();
  return server;
}

describe("the web UI's static files", () => {
  it("serves the page with its CSP and the frame shell with the no-network CSP", async () => {
    const server = await app(builtUi());
    const page = await server.inject({ url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toBe(PAGE_CSP);
    expect(page.headers["cache-control"]).toBe("no-cache");
    const shell = await server.inject({ url: "/sandbox.html" });
    expect(shell.headers["content-security-policy"]).toBe(SANDBOX_CSP);
    expect(SANDBOX_CSP).toMatch(/^default-src 'none';/);
  });

  it("serves the highlighting worker's script with a CSP that forbids the worker everything, and every file with nosniff", async () => {
    const server = await app(builtUi());
    const worker = await server.inject({ url: "/assets/highlight-worker-Bp8z_9R.js" });
    expect(worker.headers["content-security-policy"]).toBe(WORKER_CSP);
    expect(WORKER_CSP).toBe("default-src 'none'");
    // Only the worker's script: the page's own modules keep what they had (no CSP of their own).
    expect((await server.inject({ url: "/assets/index-abc.js" })).headers["content-security-policy"]).toBeUndefined();
    for (const url of ["/", "/sandbox.html", "/assets/index-abc.js", "/assets/highlight-worker-Bp8z_9R.js", "/assets/style-abc.css"]) {
      const response = await server.inject({ url });
      expect([url, response.statusCode, response.headers["x-content-type-options"]]).toEqual([url, 200, "nosniff"]);
      const cached = await server.inject({ url, headers: { "if-none-match": String(response.headers.etag) } });
      expect([url, cached.statusCode, cached.headers["x-content-type-options"]]).toEqual([url, 304, "nosniff"]);
    }
  });

  it("serves hashed assets immutable, gzipped when asked, and 304 for a known ETag", async () => {
    const server = await app(builtUi());
    const plain = await server.inject({ url: "/assets/index-abc.js" });
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const gzipped = await server.inject({ url: "/assets/index-abc.js", headers: { "accept-encoding": "gzip, br" } });
    expect(gzipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzipped.rawPayload).toString()).toBe(plain.body);
    const cached = await server.inject({ url: "/assets/index-abc.js", headers: { "if-none-match": String(plain.headers.etag) } });
    expect(cached.statusCode).toBe(304);
  });

  it("leaves unknown paths to the not-found handler and says how to build a missing UI", async () => {
    const server = await app(builtUi());
    expect((await server.inject({ url: "/assets/missing.js" })).statusCode).toBe(404);
    expect((await server.inject({ url: "/index.html" })).statusCode).toBe(404);
    const unbuilt = await app(join(tmpdir(), "spark-no-such-web-dir"));
    const page = await unbuilt.inject({ url: "/" });
    expect(page.statusCode).toBe(503);
    expect(page.body).toContain("npm run build");
  });
});
