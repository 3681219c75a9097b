import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStores } from "../src/store/index.js";
import { jsonEvents, runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedReply, type ScriptedServer } from "./support/scripted-openai-server.js";

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const buggyMath = ["function add(a, b) {", "    return a - b;", "}", "", "function multiply(a, b) {", "    return a + b;", "}", "", "module.exports = { add, multiply };", ""].join("\n");
const fixedMath = buggyMath.replace("a - b", "a + b").replace("return a + b;\n}\n\nmodule", "return a * b;\n}\n\nmodule");
const testJs = [
  'const assert = require("node:assert");',
  'const { add, multiply } = require("./src/math.js");',
  'assert.strictEqual(add(2, 3), 5, "add");',
  'assert.strictEqual(multiply(2, 3), 6, "multiply is wrong");',
  'console.log("all tests passed");',
  "",
].join("\n");

function project(): string {
  const dir = tempDir("spark-project-");
  mkdirSync(join(dir, "src"));
  writeFileSync(join(dir, "src", "math.js"), buggyMath);
  writeFileSync(join(dir, "test.js"), testJs);
  writeFileSync(join(dir, "AGENTS.md"), "Run the tests with: node test.js\n");
  return dir;
}

const call = (id: string, name: string, args: Record<string, unknown>): ScriptedReply => ({ kind: "tool-calls", calls: [{ id, name, arguments: JSON.stringify(args) }] });

type ChatBody = { messages: { role: string; content: string | null }[] };
const lastToolMessage = (body: unknown) => (body as ChatBody).messages.filter((message) => message.role === "tool").at(-1)?.content ?? "";

describe("spark exec (agent) against a scripted model", () => {
  it("reads, patches with drift, runs the tests in the sandbox, sees the failure, patches again", async () => {
    const cwd = project();
    server = await startScriptedServer([
      call("c1", "read_file", { path: "src/math.js" }),
      // Drift a real model produces: two-space indentation and trailing whitespace in the old line.
      call("c2", "apply_patch", { patch: "*** Begin Patch\n*** Update File: src/math.js\n@@ function add(a, b) {\n-  return a - b;  \n+  return a + b;\n*** End Patch" }),
      call("c3", "shell", { command: "node test.js" }),
      call("c4", "apply_patch", { patch: "src/math.js\n<<<<<<< SEARCH\nfunction multiply(a, b) {\n    return a + b;\n=======\nfunction multiply(a, b) {\n    return a * b;\n>>>>>>> REPLACE\n" }),
      call("c5", "shell", { command: "node test.js" }),
      { kind: "text", chunks: ["Fixed add ", "and multiply."] },
    ]);
    const home = tempDir("spark-home-");
    const env = { SPARK_HOME: home };
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "--approval", "full-auto", "fix the failing tests"], { cwd, env });
    expect(result.stderr).not.toContain("spark: ");
    expect(result.code).toBe(0);
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toBe(fixedMath);
    expect(result.stdout).toContain("Fixed add and multiply.");
    expect(result.stderr).toContain("src/math.js +2 -2");

    const bodies = server.requests.map((request) => request.body);
    expect(bodies).toHaveLength(6);
    const system = (bodies[0] as ChatBody).messages[0]?.content ?? "";
    expect(system).toContain("Run the tests with: node test.js");
    expect(lastToolMessage(bodies[1])).toContain("2|     return a - b;");
    expect(lastToolMessage(bodies[2])).toMatch(/Patch applied/);
    expect(lastToolMessage(bodies[3])).toContain("exited with code 1");
    expect(lastToolMessage(bodies[3])).toContain("multiply is wrong");
    expect(lastToolMessage(bodies[5])).toContain("all tests passed");
    expect(lastToolMessage(bodies[5])).toContain("exited with code 0");

    // Each of the agent's patches is a checkpoint: two undos give back the original file.
    expect((await runSpark(["undo"], { cwd, env })).code).toBe(0);
    expect((await runSpark(["undo"], { cwd, env })).code).toBe(0);
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toBe(buggyMath);
  });

  it("keeps an interrupted answer in the saved session, marked as interrupted", async () => {
    const cwd = project();
    const home = tempDir("spark-home-");
    server = await startScriptedServer([{ kind: "hang-after", chunks: ["I will start by ", "reading the code"] }]);
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "explain"], { cwd, env: { SPARK_HOME: home }, interruptAfterChars: 31 });
    expect(result.code).toBe(130);
    const stores = openStores(home);
    try {
      const [session] = stores.sessions.list(realpathSync(cwd));
      if (!session) throw new Error("no session saved");
      const messages = stores.sessions.messages(session.id);
      expect(messages.map((stored) => stored.message.role)).toEqual(["system", "user", "assistant"]);
      expect(messages[2]).toMatchObject({ interrupted: true, message: { content: "I will start by reading the code" } });
    } finally {
      stores.close();
    }
  });

  it("never applies a patch whose text was still arriving when interrupted", async () => {
    const cwd = project();
    const upstream = await startScriptedServer([
      {
        kind: "tool-calls",
        calls: [{ id: "c1", name: "apply_patch", arguments: JSON.stringify({ patch: "*** Begin Patch\n*** Delete File: src/math.js\n*** End Patch" }) }],
        argumentChunkSize: 4,
        hang: true,
      },
    ]);
    server = upstream;
    let requestSeenAt = 0;
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "--json", "delete it"], {
      cwd,
      // The CLI is past start-up (its handlers installed) once the upstream has the request; the patch's text then arrives in 4-character pieces.
      interruptWhen: () => {
        if (upstream.requests.length === 0) return false;
        requestSeenAt ||= Date.now();
        return Date.now() - requestSeenAt > 300;
      },
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(130);
    expect(readFileSync(join(cwd, "src", "math.js"), "utf8")).toBe(buggyMath);
    const events = jsonEvents(result.stdout);
    expect(events.some((event) => event.type === "tool-result")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "done", status: "interrupted" });
    await server.waitForClientDisconnect(5000);
  });

  it("passes a file the agent just read as the next call's prediction, where the server accepts one", async () => {
    const cwd = project();
    server = await startScriptedServer([call("c1", "read_file", { path: "src/math.js" }), { kind: "text", chunks: ["done"] }]);
    mkdirSync(join(cwd, ".spark"));
    writeFileSync(join(cwd, ".spark", "config.toml"), `[models.coder]\nbase_url = "${server.url}"\npredicted_outputs = true\n`);
    const result = await runSpark(["exec", "-m", "coder", "look at math.js"], { cwd });
    expect(result.code).toBe(0);
    expect(server.requests[0]?.body).not.toHaveProperty("prediction");
    expect(server.requests[1]?.body).toMatchObject({ prediction: { type: "content", content: `${buggyMath}` } });
  });

  it("refuses, without asking, what needs approval in the chosen mode", async () => {
    const cwd = project();
    server = await startScriptedServer([call("c1", "shell", { command: "touch made-by-shell" }), { kind: "text", chunks: ["ok"] }]);
    const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "--approval", "auto-edit", "touch a file"], { cwd });
    expect(result.code).toBe(0);
    expect(existsSync(join(cwd, "made-by-shell"))).toBe(false);
    expect(lastToolMessage(server.requests[1]?.body)).toContain("needs approval in auto-edit mode");
  });

  it("keeps sandboxed commands from writing outside the workspace or reaching the network", async () => {
    const cwd = project();
    const outside = tempDir("spark-outside-");
    const listener: Server = createServer((socket) => socket.end("hello"));
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    let connections = 0;
    listener.on("connection", () => connections++);
    const probe = `node -e "require('net').connect(${port},'127.0.0.1').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',(e)=>{console.log('NETERR '+e.code);process.exit(3)})"`;
    server = await startScriptedServer([
      call("c1", "shell", { command: `echo escaped > ${join(outside, "escaped.txt")}; echo inside > inside.txt` }),
      call("c2", "shell", { command: probe }),
      { kind: "text", chunks: ["done"] },
    ]);
    try {
      const result = await runSpark(["exec", "--base-url", server.url, "-m", "coder", "-a", "full-auto", "probe"], { cwd });
      expect(result.code).toBe(0);
      expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
      expect(readFileSync(join(cwd, "inside.txt"), "utf8")).toBe("inside\n");
      expect(lastToolMessage(server.requests[2]?.body)).toContain("NETERR");
      expect(connections).toBe(0);
    } finally {
      listener.close();
    }
  });
});
