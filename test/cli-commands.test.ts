import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the command line's own dead ends", () => {
  it("refuses a mistyped command with the command it resembles, and never sends it to the model", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["should not be asked"] }]);
    const model = ["--base-url", server.url, "-m", "coder"];
    const exce = await runSpark([...model, "exce", "rename x"]);
    expect(exce.code).toBe(2);
    expect(exce.stderr).toContain('unknown command "exce": did you mean `spark exec`?');
    expect(exce.stderr).toContain('quote it: spark "exce rename x"');
    const modles = await runSpark([...model, "modles"]);
    expect(modles.code).toBe(2);
    expect(modles.stderr).toContain('unknown command "modles": did you mean `spark models`?');
    expect(modles.stdout).toBe("");
    expect(server.requests).toHaveLength(0);
  });

  it("still sends a one-word task that is no command and resembles none", async () => {
    server = await startScriptedServer([{ kind: "text", chunks: ["done\n"] }]);
    const result = await runSpark(["--base-url", server.url, "-m", "coder", "refactor"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("done\n");
    expect(server.requests).toHaveLength(1);
  });

  it("shows a command's help with `spark help CMD`, and its help lists the global options", async () => {
    const help = await runSpark(["help", "exec"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: spark exec");
    expect(help.stdout).toMatch(/Global options[^\n]*\n\s+-m, --model <name>/);
    expect(help.stdout).toContain("--base-url <url>");
    const nested = await runSpark(["help", "keys", "create"]);
    expect(nested.stdout).toContain("Usage: spark keys create");
    const wrong = await runSpark(["help", "exce"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown command "exce": did you mean `spark exec`?');
  });

  it("refuses a flag the command does not know, naming it and the help that lists the right ones, instead of ignoring it", async () => {
    for (const [args, help] of [[["exec", "--system", "be brief", "task"], "spark exec"], [["models", "--prediction", "f.ts"], "spark models"], [["serve", "--bogus"], "spark serve"], [["--bogus", "hi"], "spark"]] as const) {
      const result = await runSpark([...args]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(/unknown option '--(system|prediction|bogus)'/);
      expect(result.stderr).toContain(`(\`${help} --help\` lists what it accepts)`);
    }
  });

  it("names the help of a subcommand whose required option or argument is missing", async () => {
    const create = await runSpark(["keys", "create"]);
    expect(create.code).toBe(2);
    expect(create.stderr).toBe("error: required option '--name <name>' not specified\n(`spark keys create --help` lists what it accepts)\n");
    const exec = await runSpark(["exec"]);
    expect(exec.code).toBe(2);
    expect(exec.stderr).toContain("(`spark exec --help` lists what it accepts)");
  });
});

describe("errors that say what to do", () => {
  it("names a missing -C directory instead of a raw ENOENT", async () => {
    const result = await runSpark(["exec", "-C", join(tempDir(), "missing"), "fix it"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/-C \S+missing: no such directory/);
    expect(result.stderr).not.toContain("ENOENT");
  });

  it("says the draft model file is missing, naming it", async () => {
    const draft = join(tempDir(), "missing-draft.gguf");
    const result = await runSpark(["-m", `local:${await ensureTestModel()}`, "--draft-model", draft, "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Draft model file ${draft} does not exist`);
    expect(result.stderr).not.toContain('"local:"');
  });

  it("reports an unreachable server once, without a speed line or a double full stop", async () => {
    const closed = await startScriptedServer([]);
    const url = closed.url;
    await closed.close();
    const result = await runSpark(["--base-url", url, "-m", "coder", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot reach ${url}: Connection error. Check that the server is running`);
    expect(result.stderr).not.toContain("..");
    expect(result.stderr).not.toContain("TTFT");
  });

  it("lists a loopback server's key as optional, not as missing", async () => {
    const result = await runSpark(["models"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/vllm .* \$VLLM_API_KEY optional, not set/);
    expect(result.stdout).toMatch(/openai .* \$OPENAI_API_KEY not set/);
  });
});
