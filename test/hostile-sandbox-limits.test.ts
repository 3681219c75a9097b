import { spawn, spawnSync } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSandbox } from "../src/sandbox/index.js";
import { sparkBin, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;
const MIB = 1024 * 1024;
const node = `'${process.execPath}'`;
// Shell builtins only (a pipe or a glob would open descriptors of their own): which of 3..64 are open.
const openFds = "for n in $(seq 3 64); do [ -e /proc/$$/fd/$n ] && printf 'fd%s ' $n; done; echo checked";

/** Host processes whose argv is exactly `argv`: what a sandbox left behind. */
async function hostProcesses(argv: string[]): Promise<number> {
  const wanted = `${argv.join("\0")}\0`;
  let count = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline === wanted) count++;
  }
  return count;
}

/** Sends "hello from host" and counts the requests that reached it. */
async function hostServer(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.end("hello from host\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, hits: () => hits };
}

// A client that uses the proxy named in HTTP_PROXY as curl would: absolute-URL GET, CONNECT, or no proxy at all.
const client = `
const http = require("node:http"), net = require("node:net");
const [mode, host, port] = process.argv.slice(2);
const proxy = process.env.HTTP_PROXY ? new URL(process.env.HTTP_PROXY) : undefined;
const say = (text) => console.log(mode + " " + host + " " + text);
if (mode === "direct") {
  net.connect(Number(port), host).on("connect", () => { say("connected"); process.exit(0); }).on("error", (e) => say("error " + e.code));
} else if (!proxy) {
  say("no proxy in the environment");
} else if (mode === "get") {
  http.get({ host: proxy.hostname, port: proxy.port, path: "http://" + host + ":" + port + "/" }, (res) => {
    let body = ""; res.on("data", (d) => (body += d)); res.on("end", () => say(res.statusCode + " " + body.trim()));
  }).on("error", (e) => say("error " + e.code));
} else {
  const req = http.request({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: host + ":" + port });
  req.on("connect", (res, socket) => {
    if (res.statusCode !== 200) { say(String(res.statusCode)); return socket.destroy(); }
    let body = ""; socket.on("data", (d) => (body += d)); socket.on("end", () => say("200 " + body.split("\\r\\n\\r\\n")[1].trim()));
    socket.write("GET / HTTP/1.1\\r\\nHost: " + host + "\\r\\nConnection: close\\r\\n\\r\\n");
  }).on("error", (e) => say("error " + e.code)).end();
}
`;

describe.skipIf(!hasBwrap)("hostile commands against the sandbox's limits (real bubblewrap)", () => {
  let ws: string;
  beforeEach(async () => {
    ws = await mkdtemp(join(tmpdir(), "spark-limits-ws-"));
  });
  afterEach(async () => {
    await rm(ws, { recursive: true, force: true });
  });

  it("stops a 64 MiB write to /tmp and /dev/shm at tmp_mb", async () => {
    const sandbox = await createSandbox({ settings: { limits: { tmp_mb: 16 } } });
    const fill = (dir: string) => `head -c 64M /dev/zero > ${dir}/big 2>/dev/null || echo ${dir}-full; echo ${dir}=$(du -m ${dir}/big | cut -f1)`;
    const result = await sandbox.run({ command: `${fill("/tmp")}; ${fill("/dev/shm")}`, workspace: ws, timeoutMs: 20_000 });
    expect(result.output).toBe("/tmp-full\n/tmp=16\n/dev/shm-full\n/dev/shm=16\n");
  });

  it("refuses an allocation beyond memory_mb", async () => {
    const sandbox = await createSandbox({ settings: { limits: { memory_mb: 1024 } } });
    const allocate = `${node} -e 'try { Buffer.alloc(1536 * 1024 * 1024, 1); console.log("allocated") } catch (e) { console.log("refused: " + e.message) }'`;
    const result = await sandbox.run({ command: allocate, workspace: ws, timeoutMs: 20_000 });
    expect(result.output).toMatch(/^refused: /);
  });

  it("kills a writer at file_mb, leaving exactly the limit on disk", async () => {
    const sandbox = await createSandbox({ settings: { limits: { file_mb: 8 } } });
    const result = await sandbox.run({ command: "head -c 32M /dev/zero > big.bin; echo status=$?", workspace: ws, timeoutMs: 20_000 });
    // 153 = 128 + SIGXFSZ: the kernel stopped the write.
    expect(result.output).toContain("status=153");
    expect((await stat(join(ws, "big.bin"))).size).toBe(8 * MIB);
  });

  it("kills a CPU spinner at cpu_seconds, long before the wall-clock limit", async () => {
    const sandbox = await createSandbox({ settings: { limits: { cpu_seconds: 1 } } });
    const result = await sandbox.run({ command: `${node} -e 'for (;;) {}'; echo status=$?`, workspace: ws, timeoutMs: 30_000 });
    expect(result.timedOut).toBe(false);
    // 152 = 128 + SIGXCPU (137 if the hard limit's SIGKILL came first).
    expect(result.output).toMatch(/status=(152|137)/);
    expect(result.durationMs).toBeLessThan(15_000);
  });

  it("applies the default open-file, CPU and address-space limits", async () => {
    const sandbox = await createSandbox();
    const result = await sandbox.run({ command: "grep -E '^Max (open files|cpu time|address space|file size)' /proc/self/limits", workspace: ws });
    const rows = result.output.split("\n").map((line) => line.replace(/\s+/g, " ").trim());
    expect(rows).toContain("Max cpu time 600 600 seconds");
    expect(rows).toContain("Max open files 4096 4096 files");
    expect(rows).toContain(`Max address space ${16_384 * MIB} ${16_384 * MIB} bytes`);
    expect(rows).toContain(`Max file size ${1024 * MIB} ${1024 * MIB} bytes`);
  });

  it("stops a fork bomb at the process limit, even as root, and leaves nothing behind", async () => {
    const sandbox = await createSandbox({ settings: { limits: { processes: 64 } } });
    // dash gives up at the first failed fork; the count uses bash builtins only, since no fork is left.
    const bomb = `sh -c 'i=0; while [ $i -lt 2000 ]; do sleep 7.25 & i=$((i+1)); done' 2>/dev/null; n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo procs=$n`;
    const result = await sandbox.run({ command: bomb, workspace: ws, timeoutMs: 20_000 });
    const procs = Number(/procs=(\d+)/.exec(result.output)?.[1]);
    expect(procs).toBeGreaterThan(10);
    expect(procs).toBeLessThanOrEqual(64);
    expect(result.durationMs).toBeLessThan(10_000);
    expect(await hostProcesses(["sleep", "7.25"])).toBe(0);
    const leftovers = await readdir("/sys/fs/cgroup/pids").catch(() => []);
    expect(leftovers.filter((name) => name.startsWith(`spark-sandbox-${process.pid}-`))).toEqual([]);
  });

  it("closes file descriptors the sandbox's parent inherited without close-on-exec", async () => {
    // At the process edge: a bwrap that, like a careless parent, hands on fds 7 and 12.
    const fake = join(ws, "leaky-bwrap");
    await writeFile(fake, `#!/bin/bash\nexec 7</etc/hostname 12<>/dev/null\nexec bwrap "$@"\n`);
    await chmod(fake, 0o755);
    const sandbox = await createSandbox({ bwrapPath: fake });
    const result = await sandbox.run({ command: openFds, workspace: ws });
    expect(result.output).toBe("checked\n");
  });

  describe("network allow-list", () => {
    let host: Awaited<ReturnType<typeof hostServer>>;
    beforeAll(async () => {
      host = await hostServer();
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => host.server.close(() => resolve()));
    });

    it("reaches an allowed host only through the proxy, and refuses other hosts and direct connections", async () => {
      await writeFile(join(ws, "client.cjs"), client);
      const sandbox = await createSandbox({ settings: { allow_hosts: ["127.0.0.1"] } });
      const run = (mode: string, name: string) => `${node} client.cjs ${mode} ${name} ${host.port}`;
      const command = [run("get", "127.0.0.1"), run("get", "127.0.0.2"), run("get", "localhost"), run("connect", "127.0.0.1"), run("connect", "localhost"), run("direct", "127.0.0.1"), "exit 7"].join("; ");
      const before = host.hits();
      const result = await sandbox.run({ command, workspace: ws, network: true, timeoutMs: 30_000 });
      const lines = result.output.trim().split("\n");
      expect(lines[0]).toBe("get 127.0.0.1 200 hello from host");
      expect(lines[1]).toMatch(/^get 127\.0\.0\.2 403 Spark's sandbox refused the connection to "127\.0\.0\.2": it is not in \[sandbox\] allow_hosts/);
      expect(lines[2]).toMatch(/^get localhost 403 .*"localhost".*allow_hosts/);
      expect(lines.slice(3)).toEqual(["connect 127.0.0.1 200 hello from host", "connect localhost 403", "direct 127.0.0.1 error ECONNREFUSED"]);
      expect(result.exitCode).toBe(7);
      expect(host.hits() - before).toBe(2);
    });

    it("without network the proxy is not there either", async () => {
      await writeFile(join(ws, "client.cjs"), client);
      const sandbox = await createSandbox({ settings: { allow_hosts: ["127.0.0.1"] } });
      const result = await sandbox.run({ command: `${node} client.cjs get 127.0.0.1 ${host.port}`, workspace: ws });
      expect(result.output).toBe("get 127.0.0.1 no proxy in the environment\n");
    });
  });

  describe("through the built CLI (spark exec -a full-auto)", () => {
    let server: ScriptedServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it("gives no inherited pipe to commands and takes allow_hosts from the user's config", async () => {
      const host = await hostServer();
      try {
        await writeFile(join(ws, "client.cjs"), client);
        const home = tempDir("spark-home-");
        await writeFile(join(home, "config.toml"), '[sandbox]\nallow_hosts = ["127.0.0.1"]\n');
        const call = (id: string, command: string): ScriptedReply => ({ kind: "tool-calls", calls: [{ id, name: "shell", arguments: JSON.stringify({ command }) }] });
        server = await startScriptedServer([
          call("c1", openFds),
          call("c2", `${node} client.cjs get 127.0.0.1 ${host.port}; ${node} client.cjs get 127.0.0.2 ${host.port}`),
          { kind: "text", chunks: ["done"] },
        ]);
        const env = { PATH: process.env.PATH ?? "", HOME: home, SPARK_HOME: home };
        // fd 3 is a pipe from this test, inherited by the CLI without close-on-exec.
        const child = spawn(process.execPath, [sparkBin, "exec", "--base-url", server.url, "-m", "coder", "-a", "full-auto", "--network", "probe"], { cwd: ws, env, stdio: ["ignore", "pipe", "pipe", "pipe"] });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout?.resume();
        const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        clearTimeout(timer);
        expect(stderr).not.toContain("spark: ");
        expect(code).toBe(0);
        const toolMessages = (index: number) =>
          (server?.requests[index]?.body as { messages: { role: string; content: string | null }[] }).messages.filter((m) => m.role === "tool").at(-1)?.content ?? "";
        expect(toolMessages(1)).toMatch(/\nchecked\n$/);
        expect(toolMessages(2)).toContain("get 127.0.0.1 200 hello from host\nget 127.0.0.2 403 Spark's sandbox refused");
        expect(host.hits()).toBe(1);
      } finally {
        await new Promise<void>((resolve) => host.server.close(() => resolve()));
      }
    });
  });
});
