import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { render } from "ink-testing-library";
import { createElement } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { openRuntime } from "../src/cli/common/open-runtime.js";
import { stripAnsi } from "../src/cli/session/ansi-style.js";
import { ModelSwitcher, prepareAgentWiring } from "../src/runtime/index.js";
import { SessionApp } from "../src/cli/session/session-app.js";
import { SessionController } from "../src/cli/session/session-controller.js";
import { openStores } from "../src/store/index.js";
import { tempDir } from "./support/run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply } from "./support/scripted-openai-server.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.unstubAllEnvs();
});

type Body = { messages: { role: string; content: string | null }[]; response_format?: unknown };

/** One server plays both models: a request with a response_format is the reviewer's, the rest the drafter's. */
function model(request: RecordedRequest): ScriptedReply {
  const body = request.body as Body;
  if (body.response_format) {
    const comments = [{ file: "notes.txt", line: 1, severity: "minor", comment: "say hello properly" }];
    return { kind: "text", chunks: [JSON.stringify({ verdict: "revise", summary: "almost", risk: "low", comments, security: [] })] };
  }
  if (body.messages.some((message) => message.role === "tool")) return { kind: "text", chunks: ["Changed it."] };
  return { kind: "tool-calls", calls: [{ id: "p1", name: "apply_patch", arguments: JSON.stringify({ patch: "notes.txt\n<<<<<<< SEARCH\nold\n=======\nhi\n>>>>>>> REPLACE\n" }) }] };
}

describe("/review in the interactive session", () => {
  it("has the review model review the session's changes and shows its verdict with file and line", async () => {
    const server = await startScriptedServer(model);
    cleanups.push(() => server.close());
    const home = tempDir("spark-session-home-");
    writeFileSync(join(home, "config.toml"), '[aliases]\nreview = "critic"\n[review]\nchecks = ["grep -q hi notes.txt"]\n');
    vi.stubEnv("SPARK_HOME", home);
    const cwd = tempDir("spark-session-ws-");
    writeFileSync(join(cwd, "notes.txt"), "old\n");
    const wiring = await prepareAgentWiring({ cwd });
    const models = await ModelSwitcher.open(openRuntime({ baseUrl: server.url, model: "coder" }, { printWarnings: false }));
    const stores = openStores(home);
    const controller = new SessionController({ wiring, stores, models, systemPrompt: "You are a test.", mode: "batched", columns: () => 100, rows: () => 30 });
    let written = "";
    controller.view.onOutput((text) => (written += text));
    const app = render(createElement(SessionApp, { controller }));
    cleanups.push(() => stores.close(), () => models.dispose(), () => controller.close(), () => app.unmount());
    const waitFor = async (text: string) => {
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 10))) {
        if (stripAnsi(written + (app.lastFrame() ?? "")).includes(text)) return;
      }
      throw new Error(`never showed ${text}:\n${stripAnsi(written + (app.lastFrame() ?? ""))}`);
    };

    app.stdin.write("change it\r");
    await waitFor("Changed it.");
    await waitFor("● ready");
    app.stdin.write("/review\r");
    await waitFor("notes.txt:1 [minor] say hello properly");
    const screen = stripAnsi(written + (app.lastFrame() ?? ""));
    expect(screen).toContain("Reviewing 1 changed file with review");
    expect(screen).toContain("check grep -q hi notes.txt: passed");
    expect(screen).toContain("verdict: revise · risk low · almost");
    const reviewRequest = server.requests.find((request) => (request.body as Body).response_format);
    expect((reviewRequest?.body as Body).messages.at(-1)?.content).toContain("+hi");
  });
});
