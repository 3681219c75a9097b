import { describe, expect, it } from "vitest";
import { findNpmCli, isolatedNpm, npmEnvWithout, npmInvocation, type NpmHost } from "./npm-command.js";

/** A machine where only `files` exist. */
const host = (platform: NodeJS.Platform, execPath: string, files: string[], env: NodeJS.ProcessEnv = {}): NpmHost => ({ platform, execPath, env, exists: (path) => files.includes(path) });

describe("running npm without a shell", () => {
  it("runs the npm-cli.js installed with the running node, on Windows beside node.exe and elsewhere in ../lib", () => {
    const windows = host("win32", "C:\\Program Files\\nodejs\\node.exe", ["C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js"]);
    expect(npmInvocation(["pack", "x"], windows)).toEqual({ file: "C:\\Program Files\\nodejs\\node.exe", args: ["C:\\Program Files\\nodejs\\node_modules\\npm\\bin\\npm-cli.js", "pack", "x"] });
    const linux = host("linux", "/opt/node/bin/node", ["/opt/node/lib/node_modules/npm/bin/npm-cli.js"]);
    expect(npmInvocation(["pack", "x"], linux)).toEqual({ file: "/opt/node/bin/node", args: ["/opt/node/lib/node_modules/npm/bin/npm-cli.js", "pack", "x"] });
  });

  it("takes npm_execpath only when it is an absolute path to an existing npm-cli.js", () => {
    const cli = "/home/u/.npm-global/lib/node_modules/npm/bin/npm-cli.js";
    expect(findNpmCli(host("linux", "/usr/local/bin/node", [cli], { npm_execpath: cli }))).toBe(cli);
    expect(findNpmCli(host("linux", "/usr/local/bin/node", [], { npm_execpath: cli }))).toBeUndefined();
    expect(findNpmCli(host("linux", "/usr/local/bin/node", ["npm-cli.js"], { npm_execpath: "npm-cli.js" }))).toBeUndefined();
    expect(findNpmCli(host("linux", "/usr/local/bin/node", ["/home/u/.yarn/bin/yarn.js"], { npm_execpath: "/home/u/.yarn/bin/yarn.js" }))).toBeUndefined();
    const windowsCli = "D:\\tools\\npm\\bin\\npm-cli.js";
    expect(findNpmCli(host("win32", "C:\\nodejs\\node.exe", [windowsCli], { npm_execpath: windowsCli }))).toBe(windowsCli);
  });

  it("falls back to npm on PATH (an executable, no shell) except on Windows, where it refuses saying what to do", () => {
    expect(npmInvocation(["pack"], host("darwin", "/usr/local/bin/node", []))).toEqual({ file: "npm", args: ["pack"] });
    expect(() => npmInvocation(["pack"], host("win32", "C:\\nodejs\\node.exe", []))).toThrow(expect.objectContaining({ code: "engine_install_failed", message: expect.stringContaining("Reinstall Node.js with npm") }));
  });

  it("gives npm no configuration but the environment's registry, cache and proxies", () => {
    const env = { PATH: "/bin", HTTPS_PROXY: "http://proxy:3128", npm_config_registry: "https://mirror/", NPM_CONFIG_CACHE: "/c", npm_config_userconfig: "/tmp/.npmrc", npm_config_script_shell: "/tmp/evil", "npm_config_node-options": "--require=/tmp/x.js" };
    expect(npmEnvWithout(env)).toEqual({ PATH: "/bin", HTTPS_PROXY: "http://proxy:3128", npm_config_registry: "https://mirror/", NPM_CONFIG_CACHE: "/c" });
    const npm = isolatedNpm(["pack", "x"], "/w", env, host("linux", "/n/bin/node", ["/n/lib/node_modules/npm/bin/npm-cli.js"]));
    expect(npm.args.slice(3).join(" ")).toBe("--prefix /w --userconfig /w/user-npmrc --globalconfig /w/global-npmrc");
    expect(npm.env.npm_config_userconfig).toBeUndefined();
  });
});
