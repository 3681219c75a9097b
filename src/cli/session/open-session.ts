// First, before anything loads React (no JSX in this file: it would import react/jsx-runtime ahead of it).
import "./react-production.js";
import { render } from "ink";
import { createElement } from "react";
import { defaultTools } from "../../agent/index.js";
import { sparkHome } from "../../config/index.js";
import { openStores } from "../../store/index.js";
import { agentSystemPrompt, ModelSwitcher, prepareAgentWiring, startAgentMcp, type AgentWiringOptions } from "../../runtime/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { openRuntime } from "../common/open-runtime.js";
import { paint } from "./ansi-style.js";
import { FrameTrace } from "./frame-trace.js";
import { SessionApp } from "./session-app.js";
import { SessionController } from "./session-controller.js";
import { runCommand } from "./slash-commands.js";
import type { RenderMode } from "./view-store.js";

/**
 * `spark` with no task on a terminal, and `spark resume`: the interactive session. Opens the model and
 * the stores, renders the Ink app until the user leaves, then closes everything and says how to come
 * back. `SPARK_SESSION_RENDER=static|naive` selects the render paths the benchmark compares;
 * `SPARK_SESSION_TRACE=FILE` records frame times (see frame-trace.ts).
 */

export interface SessionOptions extends GlobalOptions, AgentWiringOptions {
  /** Reopen this saved session (its full id). */
  resumeId?: string | undefined;
  /** Start with the list of saved sessions to pick from. */
  pickSession?: boolean | undefined;
}

export async function openSession(options: SessionOptions): Promise<number> {
  const wiring = await prepareAgentWiring(options);
  // startAgentMcp reports the config's warnings.
  const models = await ModelSwitcher.open(await openRuntime(options, { printWarnings: false }));
  const stores = openStores(sparkHome(process.env));
  const mcpProblems: string[] = [];
  const mcp = await startAgentMcp(models.runtime.loaded, wiring.workspace, (message) => mcpProblems.push(message));
  const requested = process.env.SPARK_SESSION_RENDER;
  const mode: RenderMode = requested === "naive" || requested === "static" ? requested : "batched";
  const trace = FrameTrace.fromEnv(process.env, mode);
  let sessionId: string | undefined;
  try {
    const controller = new SessionController({
      wiring,
      stores,
      models,
      systemPrompt: await agentSystemPrompt(wiring),
      mode,
      columns: () => process.stdout.columns || 80,
      rows: () => process.stdout.rows || 24,
      trace,
      tools: [...defaultTools, ...mcp.tools],
    });
    controller.view.print([
      `${paint.bold(paint.cyan("Spark"))} ${paint.dim(`· ${models.current.client.displayName} · ${wiring.workspace} · ${wiring.approvalMode}`)}`,
      paint.dim("Enter sends · while the model writes, Enter redirects it and Tab queues · Esc interrupts · /help"),
      ...mcpProblems.map((problem) => paint.yellow(`⚠ ${problem}`)),
    ]);
    if (options.resumeId !== undefined) controller.resume(options.resumeId);
    else if (options.pickSession) await runCommand(controller, "/resume");
    controller.view.flushNow(); // the first frame shows what is already printed
    const app = render(createElement(SessionApp, { controller }), {
      exitOnCtrlC: false,
      // Batched mode paces frames itself (60 per second); Ink's own throttle must not delay them further.
      maxFps: mode === "naive" ? 30 : 120,
      ...(trace ? { onRender: ({ renderTime }: { renderTime: number }) => trace.inkRender(renderTime) } : {}),
    });
    await app.waitUntilExit();
    await controller.close();
    sessionId = controller.sessionId();
  } finally {
    trace?.write();
    await mcp.close();
    await models.dispose();
    stores.close();
  }
  if (sessionId !== undefined) process.stdout.write(`Session saved: spark resume ${sessionId.slice(0, 8)}\n`);
  return exitCodes.ok;
}
