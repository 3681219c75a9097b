/**
 * The floor for any gateway on this machine: a bare node:http pass-through in its own process, no
 * parsing, no routing, no accounting; request and answer piped as they come, keep-alive to the upstream.
 * What it adds over a direct call is what one more Node process and two more loopback hops cost here.
 * Forwards every path unchanged to BENCH_UPSTREAM_URL; prints `bare proxy listening on URL`, exits when
 * its parent closes stdin (or on SIGTERM).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

const upstream = new URL(process.env.BENCH_UPSTREAM_URL ?? "http://127.0.0.1:1");
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

const server = http.createServer((req, res) => {
  const outgoing = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.on("error", () => res.destroy());
  res.on("close", () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.pipe(outgoing);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`bare proxy listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
const stop = () => process.exit(0);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
