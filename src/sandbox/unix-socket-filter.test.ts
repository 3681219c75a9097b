import { describe, expect, it } from "vitest";
import { SandboxUnavailableError } from "./sandbox-errors.js";
import { FILTER_IN_SANDBOX, resolveSocketFilter, socketFilterBwrapArgs, withSocketFilter } from "./unix-socket-filter.js";

describe("the UNIX socket filter", () => {
  it("fails closed on a CPU without a filter binary, saying what to do", () => {
    let error: unknown;
    try {
      resolveSocketFilter([], "riscv64");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SandboxUnavailableError);
    expect((error as Error).message).toMatch(/riscv64.*\[sandbox\] unix_sockets.*--approval suggest/s);
  });

  it("wraps the command, bound read-only, keeping CAP_SETFCAP only for uid 0", () => {
    const filter = resolveSocketFilter([]);
    expect(withSocketFilter(filter, ["/bin/sh", "-c", "true"])).toEqual([FILTER_IN_SANDBOX, "/bin/sh", "-c", "true"]);
    const asRoot = socketFilterBwrapArgs(filter, 0);
    expect(asRoot.join(" ")).toContain(`--ro-bind ${filter.binary ?? "?"} ${FILTER_IN_SANDBOX}`);
    expect(asRoot.join(" ")).toContain("--setenv SRT_ALLOW_NESTED_USERNS 0");
    expect(asRoot.slice(-2)).toEqual(["--cap-add", "CAP_SETFCAP"]);
    expect(socketFilterBwrapArgs(filter, 1000)).not.toContain("--cap-add");
  });

  it("is off when the user lists sockets: only those are bound in, and no user namespaces", () => {
    const filter = resolveSocketFilter(["/run/user/1000/gnupg/S.gpg-agent"]);
    expect(withSocketFilter(filter, ["true"])).toEqual(["true"]);
    expect(socketFilterBwrapArgs(filter, 0)).toEqual(["--ro-bind-try", "/run/user/1000/gnupg/S.gpg-agent", "/run/user/1000/gnupg/S.gpg-agent", "--disable-userns"]);
  });
});
