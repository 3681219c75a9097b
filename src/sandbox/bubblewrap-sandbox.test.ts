import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSandbox, SandboxUnavailableError, type Sandbox } from "./index.js";

const hasBwrap = spawnSync("bwrap", ["--version"]).status === 0;

describe.skipIf(!hasBwrap)("bubblewrap sandbox isolation", () => {
  let sandbox: Sandbox;
  let ws: string;
  let outside: string;
  const marker = `spark-sandbox-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    sandbox = await createSandbox();
  });
  beforeEach(async () => {
    ws = await mkdtemp(join(tmpdir(), "spark-ws-"));
    outside = await mkdtemp(join(tmpdir(), "spark-outside-"));
  });
  afterEach(async () => {
    await rm(ws, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
    // In case the sandbox failed to hold, do not leave litter on the host.
    for (const path of [join(homedir(), marker), join("/tmp", marker), join("/var/tmp", marker), join("/dev/shm", marker)]) {
      await rm(path, { force: true });
    }
  });

  it("is a bubblewrap sandbox", () => {
    expect(sandbox.kind).toBe("bubblewrap");
  });

  it("writes in the workspace but nowhere outside it", async () => {
    const hostHome = join(homedir(), marker);
    const command = [
      "echo inside > inside.txt && echo wrote-inside",
      `(echo x > ${join(outside, "escaped.txt")}) 2>/dev/null || echo outside-refused`,
      // Every home is an empty private tmpfs: the write lands there, never on the host.
      `(echo x > ${hostHome}) 2>/dev/null && echo host-home-private`,
      `echo x > "$HOME/${marker}" && echo sandbox-home-ok`,
    ].join("; ");
    const result = await sandbox.run({ command, workspace: ws });
    expect(result.output).toBe("wrote-inside\noutside-refused\nhost-home-private\nsandbox-home-ok\n");
    expect(await readFile(join(ws, "inside.txt"), "utf8")).toBe("inside\n");
    expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
    expect(existsSync(hostHome)).toBe(false);
  });

  it("shows a hidden host directory as empty, even one outside the private dirs", async () => {
    // Under the read-only `/`, where the eval suite's tasks usually are. A system directory, not one made
    // beside the clone: a clone under /tmp or a home is private to the sandbox anyway, and would prove nothing.
    const secret = "/usr/share";
    const command = `ls -A ${secret} | wc -l; echo ok > in.txt && cat in.txt`;
    const [seen] = (await sandbox.run({ command, workspace: ws })).output.split("\n");
    expect(Number(seen)).toBeGreaterThan(0);
    const hiding = await createSandbox({ hiddenPaths: [secret] });
    expect((await hiding.run({ command, workspace: ws })).output).toBe("0\nok\n");
  });

  it("keeps /tmp, /var/tmp, /dev/shm and /run private", async () => {
    const dirs = ["/tmp", "/var/tmp", "/dev/shm", "/run"];
    const command = dirs.map((dir) => `echo x > ${dir}/${marker} && echo ok`).join("; ") + "; ls /run | wc -l";
    const result = await sandbox.run({ command, workspace: ws });
    expect(result.output).toBe("ok\nok\nok\nok\n1\n");
    for (const dir of dirs) expect(existsSync(join(dir, marker))).toBe(false);
  });

  it("cannot make the system writable again (capabilities are dropped, even as root)", async () => {
    const escaped = join(outside, "remounted.txt");
    const result = await sandbox.run({
      command: `mount -o remount,bind,rw / 2>/dev/null; umount -l / 2>/dev/null; touch ${escaped} 2>/dev/null || echo refused`,
      workspace: ws,
    });
    expect(result.output).toBe("refused\n");
    expect(existsSync(escaped)).toBe(false);
  });

  it("keeps .git read-only so no hook can be planted", async () => {
    await mkdir(join(ws, ".git", "hooks"), { recursive: true });
    const result = await sandbox.run({
      command: "(echo evil > .git/hooks/pre-commit) 2>/dev/null || echo refused; echo ok > file.txt && cat file.txt",
      workspace: ws,
    });
    expect(result.output).toBe("refused\nok\n");
    expect(existsSync(join(ws, ".git", "hooks", "pre-commit"))).toBe(false);
  });

  it("cannot create a .git where there is none, and leaves none behind", async () => {
    const result = await sandbox.run({
      command:
        "(mkdir -p .git/hooks) 2>/dev/null || echo mkdir-refused; " +
        "(git init -q .) >/dev/null 2>&1 || echo init-refused; " +
        "(git init -q sub && mv sub/.git .git) >/dev/null 2>&1 || echo move-refused; echo ok > file.txt && cat file.txt",
      workspace: ws,
    });
    expect(result.output).toMatch(/^mkdir-refused\ninit-refused\nmove-refused\nok\n\n\[spark sandbox\] removed sub\/\.git, which the command created/);
    expect(existsSync(join(ws, ".git"))).toBe(false);
    expect(existsSync(join(ws, "sub", ".git"))).toBe(false);
  });

  it("sees only its own processes", async () => {
    const result = await sandbox.run({ command: "ls /proc | grep -c '^[0-9]'", workspace: ws });
    expect(Number(result.output.trim())).toBeLessThan(8);
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer((socket) => socket.end("hello\n"));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      port = typeof address === "object" && address !== null ? address.port : 0;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    const connect = (): string =>
      `'${process.execPath}' -e 'const s=require("net").connect(${port},"127.0.0.1");` +
      `s.on("data",d=>{process.stdout.write("got "+d);process.exit(0)});` +
      `s.on("error",e=>{console.log(e.code);process.exit(2)})'`;

    it("is refused by default", async () => {
      const result = await sandbox.run({ command: connect(), workspace: ws });
      expect(result.exitCode).toBe(2);
      expect(result.output).toBe("ECONNREFUSED\n");
    });

    it("works when the request allows it", async () => {
      const result = await sandbox.run({ command: connect(), workspace: ws, network: true });
      expect(result).toMatchObject({ exitCode: 0, output: "got hello\n" });
    });
  });
});

describe("sandbox unavailable", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "spark-nobwrap-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("says bubblewrap is missing and what to do", async () => {
    const error = await createSandbox({ bwrapPath: join(dir, "no-such-bwrap") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxUnavailableError);
    expect(error).toMatchObject({ code: "sandbox_unavailable" });
    const message = (error as Error).message;
    expect(message).toContain("not installed");
    expect(message).toContain("apt-get install bubblewrap");
    expect(message).toContain("--approval suggest");
    expect(message).toContain("--approval auto-edit");
  });

  it("passes on bwrap's own words when namespaces are denied", async () => {
    // A stand-in at the process edge: the real bwrap's failure when user namespaces are off.
    const fake = join(dir, "bwrap");
    const words = "bwrap: No permissions to create a new namespace, likely because the kernel does not allow non-privileged user namespaces.";
    await writeFile(fake, `#!/bin/sh\necho '${words}' >&2\nexit 1\n`);
    await chmod(fake, 0o755);
    const error = await createSandbox({ bwrapPath: fake }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(words);
    expect(message).toContain("unprivileged user namespaces");
    expect(message).toContain("--approval suggest");
  });
});
