/**
 * Runs inside the sandbox, in its own empty network namespace, outside the seccomp filter (it needs
 * a UNIX socket): listens on 127.0.0.1 on a free port, relays every connection to the host's
 * allow-list proxy socket, and runs the command with the proxy variables set. It exits as the
 * command did (by the same signal, if one killed it) and passes on the signals it gets.
 *
 * The function is run as `node -e` source, so it must not use anything from outside its own body.
 */
function forwarderMain(): void {
  // `node -e` runs CommonJS: module.require is what there is. Not a bare require(), which the bundler
  // (scripts/build-cli.mjs) would rewrite into its own helper, absent from the `node -e` process.
  const net = module.require("node:net") as typeof import("node:net");
  const { spawn } = module.require("node:child_process") as typeof import("node:child_process");
  const [socketPath, file, ...args] = process.argv.slice(1);
  if (socketPath === undefined || file === undefined) throw new Error("usage: forwarder SOCKET COMMAND...");
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    // Servers the command starts inside the sandbox stay reachable directly.
    const local = "localhost,127.0.0.1,::1";
    const env = { ...process.env, HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: local, no_proxy: local };
    const child = spawn(file, args, { stdio: "inherit", env });
    const signals = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"] as const;
    for (const signal of signals) process.on(signal, () => child.kill(signal));
    child.on("error", (error) => {
      process.stderr.write(`spark: cannot start ${file}: ${error.message}\n`);
      process.exit(127);
    });
    child.on("exit", (code, signal) => {
      if (signal === null) process.exit(code ?? 1);
      for (const own of signals) process.removeAllListeners(own);
      process.kill(process.pid, signal);
    });
  });
}

/** argv that runs `rest` behind the forwarder, with `node` the sandbox can see (bound read-only). */
export function forwarderArgv(node: string, socketPath: string, rest: readonly string[]): string[] {
  return [node, "-e", `(${forwarderMain.toString()})()`, "--", socketPath, ...rest];
}
