import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";
import { startScriptedServer, type ScriptedServer } from "./support/scripted-openai-server.js";

let gateway: GatewayProcess | undefined;
let upstream: ScriptedServer | undefined;
afterEach(async () => {
  await gateway?.stop();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

function stagedRepo(): string {
  const dir = tempDir("spark-review-gw-");
  const git = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, stdio: "pipe" });
  git("init", "-q");
  writeFileSync(join(dir, "a.txt"), "one\n");
  git("add", "-A");
  git("commit", "-qm", "base");
  writeFileSync(join(dir, "a.txt"), "two\n");
  git("add", "-A");
  return dir;
}

describe("review accounting through a Spark gateway", () => {
  it("names the rate-limit bucket (model family) the gateway charged the review to", async () => {
    const verdict = { verdict: "approve", summary: "fine", risk: "low", comments: [], security: [] };
    upstream = await startScriptedServer([{ kind: "text", chunks: [JSON.stringify(verdict)] }]);
    const served = tempDir("spark-review-gw-project-");
    mkdirSync(join(served, ".spark"));
    writeFileSync(join(served, ".spark", "config.toml"), `[families]\nstrong = ["critic"]\n[models.critic]\nbase_url = "${upstream.url}"\n`);
    const home = tempDir("spark-review-gw-home-");
    gateway = await startGateway(served, { HOME: home, SPARK_HOME: join(home, ".spark") });

    const result = await runSpark(["review", "--staged", "--server", gateway.url, "--review-model", "critic", "--json"], { cwd: stagedRepo() });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { verdict: { verdict: string }; accounting: { model: string; buckets: string[] }[] };
    expect(report.verdict.verdict).toBe("approve");
    expect(report.accounting).toEqual([expect.objectContaining({ model: "critic", buckets: ["strong"] })]);
  });
});
