/**
 * The fixture of the Anthropic and Gemini route tests: the built `spark serve` with one API key (so every
 * request authenticates, in each vendor's header form), SPARK_DEBUG on (its log must still hold no key),
 * in front of a scripted Chat Completions upstream ("scripted") and the tiny local model ("tiny").
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway, type GatewayProcess } from "./gateway-process.js";
import { runSpark, tempDir } from "./run-spark.js";
import { startScriptedServer, type RecordedRequest, type ScriptedReply, type ScriptedServer } from "./scripted-openai-server.js";
import { ensureTestModel } from "./tiny-gguf.js";

export interface VendorGateway {
  gateway: GatewayProcess;
  upstream: ScriptedServer;
  key: string;
  /** A second key, allowed one request a minute in the standard family. */
  limitedKey: string;
  stop(): Promise<number | null>;
}

/** The last message's text decides: "hang", "drop" (the upstream dies mid-stream), "tools" (a Bash call), else a three-chunk text. */
export function vendorScript(request: RecordedRequest): ScriptedReply {
  const messages = (request.body as { messages?: { content: unknown }[] }).messages ?? [];
  const last = messages.at(-1)?.content;
  if (last === "hang") return { kind: "hang-after", chunks: ["one ", "two "] };
  if (last === "drop") return { kind: "drop-after", chunks: ["one ", "two "] };
  if (last === "tools") return { kind: "tool-calls", calls: [{ id: "call_1", name: "Bash", arguments: '{"command":"ls -la"}' }] };
  return { kind: "text", chunks: ["Hello", " from", " upstream"], usage: { prompt: 12, completion: 3 } };
}

export async function startVendorGateway(): Promise<VendorGateway> {
  const model = await ensureTestModel();
  const upstream = await startScriptedServer(vendorScript);
  const project = tempDir("spark-vendor-");
  const home = tempDir("spark-vendor-home-");
  mkdirSync(join(project, ".spark"));
  writeFileSync(
    join(project, ".spark", "config.toml"),
    ["[models.scripted]", `base_url = "${upstream.url}"`, 'model = "scripted-model"', "[aliases]", `tiny = "local:${model}"`, "[models.tiny]", "max_tokens = 8", "temperature = 0", ""].join("\n"),
  );
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  const created = await runSpark(["keys", "create", "--name", "vendor"], { cwd: project, env, timeoutMs: 30_000 });
  if (created.code !== 0) throw new Error(`spark keys create failed: ${created.stderr}`);
  const limited = await runSpark(["keys", "create", "--name", "limited", "--family", "standard", "--rpm", "1"], { cwd: project, env, timeoutMs: 30_000 });
  if (limited.code !== 0) throw new Error(`spark keys create failed: ${limited.stderr}`);
  const gateway = await startGateway(project, { ...env, SPARK_DEBUG: "1" });
  return {
    gateway,
    upstream,
    key: created.stdout.trim(),
    limitedKey: limited.stdout.trim(),
    stop: async () => {
      const code = await gateway.stop();
      await upstream.close();
      return code;
    },
  };
}

export interface SseFrame {
  event: string | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames are arbitrary JSON that tests inspect freely
  data: any;
}

/** The frames of an SSE body: each its `event:` name (if any) and its `data:` parsed as JSON. */
export function parseSse(text: string): SseFrame[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((line) => line.startsWith("event: "))?.slice(7);
      const data = lines.filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
      return { event, data: JSON.parse(data) as unknown };
    });
}
