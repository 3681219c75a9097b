/**
 * What the web UI's browser tests run against: a scripted upstream on loopback, the built gateway serving a
 * project whose config names that upstream as the model "remote-spark" (its own HOME and SPARK_HOME), and
 * Debian's Chromium.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "./browser.js";
import { startGateway, type GatewayProcess } from "./gateway-process.js";
import { tempDir } from "./run-spark.js";
import { startScriptedServer, type RecordedRequest, type Script, type ScriptedServer } from "./scripted-openai-server.js";

export interface WebStack {
  upstream: ScriptedServer;
  gateway: GatewayProcess;
  browser: Browser;
  /** Closes the browser, the gateway and the upstream; resolves to the gateway's exit code. */
  stop(): Promise<number | null>;
}

export interface WebStackOptions {
  /** The temporary folders' name prefix. */
  name: string;
  /** More lines for the project's config after the "remote-spark" model, given the upstream's URL. */
  projectConfig?: (upstreamUrl: string) => string[];
  /** The user's own config ($SPARK_HOME/config.toml), if any. */
  homeConfig?: string[];
}

export async function startWebStack(script: Script, options: WebStackOptions): Promise<WebStack> {
  const upstream = await startScriptedServer(script);
  let gateway: GatewayProcess | undefined;
  try {
    const project = tempDir(`${options.name}-`);
    const home = tempDir(`${options.name}-home-`);
    mkdirSync(join(project, ".spark"));
    const model = ['[models."remote-spark"]', `base_url = "${upstream.url}"`, 'model = "upstream-fast"'];
    writeFileSync(join(project, ".spark", "config.toml"), [...model, ...(options.projectConfig?.(upstream.url) ?? []), ""].join("\n"));
    if (options.homeConfig) {
      mkdirSync(join(home, ".spark"), { mode: 0o700 });
      writeFileSync(join(home, ".spark", "config.toml"), [...options.homeConfig, ""].join("\n"));
    }
    gateway = await startGateway(project, { HOME: home, SPARK_HOME: join(home, ".spark") });
    const browser = await launchChromium();
    const started = gateway;
    return {
      upstream,
      gateway: started,
      browser,
      async stop() {
        await browser.close();
        const code = await started.stop();
        await upstream.close();
        return code;
      },
    };
  } catch (error) {
    await gateway?.stop();
    await upstream.close();
    throw error;
  }
}

/** The text of the last user message of a chat request (what the page's composer sent). */
export function lastUserText(request: RecordedRequest): string {
  const messages = (request.body as { messages?: { role: string; content: string }[] }).messages ?? [];
  return messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
}
