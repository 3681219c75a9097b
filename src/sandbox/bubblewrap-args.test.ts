import { describe, expect, it } from "vitest";
import { bwrapArgs } from "./bubblewrap-args.js";

const layout = { privateDirs: ["/tmp", "/var/tmp", "/run"], networkFilesUnderRun: ["/run/systemd/resolve/stub-resolv.conf"] };
const mounts = { workspace: "/tmp/ws", readOnlyInWorkspace: ["/tmp/ws/.git"], cwd: "/tmp/ws/src", network: false };

describe("bwrapArgs", () => {
  it("mounts the workspace after the private /tmp, and .git read-only over it", () => {
    const args = bwrapArgs(layout, mounts, ["sh", "-c", "true"]);
    const tmpfs = args.indexOf("/tmp");
    const bind = args.indexOf("--bind");
    expect(args[tmpfs - 1]).toBe("--tmpfs");
    expect(bind).toBeGreaterThan(tmpfs);
    expect(args.slice(bind, bind + 3)).toEqual(["--bind", "/tmp/ws", "/tmp/ws"]);
    expect(args.lastIndexOf("--ro-bind")).toBeGreaterThan(bind);
    expect(args.slice(-6)).toEqual(["--chdir", "/tmp/ws/src", "--", "sh", "-c", "true"]);
  });

  it("mounts an empty read-only directory where a protected entry is missing", () => {
    const args = bwrapArgs(layout, { ...mounts, readOnlyInWorkspace: [], emptyReadOnlyInWorkspace: ["/tmp/ws/.git"] }, ["true"]);
    const bind = args.indexOf("--bind");
    const tmpfs = args.lastIndexOf("--tmpfs");
    expect(tmpfs).toBeGreaterThan(bind);
    expect(args.slice(tmpfs, tmpfs + 4)).toEqual(["--tmpfs", "/tmp/ws/.git", "--remount-ro", "/tmp/ws/.git"]);
  });

  it("drops capabilities and the network unless the network is allowed", () => {
    const closed = bwrapArgs(layout, mounts, ["true"]);
    expect(closed).toContain("--unshare-net");
    expect(closed.join(" ")).toContain("--cap-drop ALL");
    expect(closed).not.toContain("/run/systemd/resolve/stub-resolv.conf");
    const open = bwrapArgs(layout, { ...mounts, network: true }, ["true"]);
    expect(open).not.toContain("--unshare-net");
    expect(open).toContain("/run/systemd/resolve/stub-resolv.conf");
  });

  it("sizes every private tmpfs, /dev/shm included", () => {
    const args = bwrapArgs(layout, mounts, ["true"], 16);
    for (const dir of ["/tmp", "/var/tmp", "/run", "/dev/shm"]) {
      const at = args.indexOf(dir);
      expect(args.slice(at - 3, at)).toEqual(["--size", String(16 * 1024 * 1024), "--tmpfs"]);
    }
  });
});
