/**
 * The eval results page of `spark serve` (/eval.html): the latest report `spark eval` recorded in Spark's
 * database, behind the gateway's API keys, with hostile configuration names shown as text, and the chart
 * a well-formed SVG that places each configuration by its numbers. No path comes from the request.
 */
import { request as httpRequest } from "node:http";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chartScale, type ChartRow } from "../src/eval/index.js";
import { createEvalReportStore, databasePath, openDatabase } from "../src/store/index.js";
import { launchChromium, screenshot } from "./support/browser.js";
import { startGateway, type GatewayProcess } from "./support/gateway-process.js";
import { runSpark, tempDir } from "./support/run-spark.js";

const STEP_MS = 10_000;
const HOSTILE = `<img src=x onerror="window.pwned=1">&"'<script>window.pwned=2</script>`;

let gateway: GatewayProcess;
let browser: Browser;
let key = "";
let home = "";

const row = (configuration: string, passed: number, tasks: number, interval: [number, number], tokensPerSecond: number) => ({
  configuration, machine: "2 vCPU test machine", startedAt: "2026-12-07T10:00:00.000Z", tasks, passed, skipped: 0, passRate: passed / tasks, passRateInterval: interval,
  wallMs: 60_000, inputTokens: 12_000, outputTokens: 3_400, tokensPerSecond, ttftMs: 210, cost: null, reviewRounds: 0, escalations: 0, models: [], results: [],
});
const rows = [row("fast", 6, 10, [0.31, 0.83], 1200), row(HOSTILE, 8, 10, [0.49, 0.94], 75)];
const report = {
  suite: "https://example.test/suite.git", layout: "polyglot", configurations: rows,
  comparisons: [{ baseline: "fast", configuration: HOSTILE, tasks: 10, onlyBaseline: 0, onlyConfiguration: 2, difference: 0.2, interval: [-0.08, 0.48] }],
};

/** A GET with the path sent exactly as written (fetch would resolve the dots). */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const url = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, headers, method: "GET" }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

beforeAll(async () => {
  const project = tempDir("spark-web-eval-");
  home = tempDir("spark-web-eval-home-");
  const env = { HOME: home, SPARK_HOME: join(home, ".spark") };
  mkdirSync(join(project, ".spark"));
  writeFileSync(join(project, ".spark", "config.toml"), '[models."remote"]\nbase_url = "http://127.0.0.1:9/v1"\n');
  const created = await runSpark(["keys", "create", "--name", "alice"], { cwd: project, env, timeoutMs: 30_000 });
  expect(created.code, created.stderr).toBe(0);
  key = created.stdout.trim();
  gateway = await startGateway(project, env);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  expect(await gateway?.stop()).toBe(0);
});

const auth = () => ({ authorization: `Bearer ${key}` });

describe("the eval results page", () => {
  it("needs a key, says when there are no results, then serves the latest report and its chart", async () => {
    expect((await fetch(`${gateway.url}/v1/spark/eval`)).status).toBe(401);
    expect((await fetch(`${gateway.url}/v1/spark/eval/chart.svg`)).status).toBe(401);
    const none = await fetch(`${gateway.url}/v1/spark/eval`, { headers: auth() });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain("No eval results yet: run `spark eval`");

    // What `spark eval` does at the end of a run: the report into Spark's database.
    const db = openDatabase(databasePath(join(home, ".spark")));
    createEvalReportStore(db).add(report.suite, JSON.stringify({ ...report, configurations: [row("older run", 1, 10, [0, 0.4], 5)], comparisons: [] }));
    createEvalReportStore(db).add(report.suite, JSON.stringify(report));
    db.close();

    const latest = (await (await fetch(`${gateway.url}/v1/spark/eval`, { headers: auth() })).json()) as { configurations: { configuration: string }[] };
    expect(latest.configurations.map((configuration) => configuration.configuration)).toEqual(["fast", HOSTILE]);
    const chart = await fetch(`${gateway.url}/v1/spark/eval/chart.svg`, { headers: auth() });
    expect(chart.headers.get("content-type")).toBe("image/svg+xml; charset=utf-8");
    expect(chart.headers.get("content-security-policy")).toContain("default-src 'none'");
    const svg = await chart.text();
    expect(svg).not.toMatch(/<script|<img/i);

    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    const dialogs: string[] = [];
    page.on("dialog", (dialog) => void dialog.dismiss().then(() => dialogs.push(dialog.message())));
    const response = await page.goto(`${gateway.url}/eval.html`);
    expect(response?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await expect.poll(() => page.locator("#eval-key-form").isVisible(), { timeout: STEP_MS }).toBe(true);
    await page.fill("#eval-key-input", key);
    await page.press("#eval-key-input", "Enter");
    await expect.poll(() => page.locator("#eval-configurations tbody tr").count(), { timeout: STEP_MS }).toBe(2);
    expect(await page.locator("#eval-key-form").isVisible()).toBe(false);
    // The hostile name is text in the table, never markup; nothing it carried ran.
    expect(await page.locator("#eval-configurations tbody tr").nth(1).locator("td").first().textContent()).toBe(HOSTILE);
    expect(await page.locator("#eval-comparisons tbody td").first().textContent()).toBe(`${HOSTILE} vs fast`);
    expect(await page.locator("#eval-configurations tbody tr").first().textContent()).toContain("60%31%–83%1,200");
    expect(await page.locator("img[src='x']").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(dialogs).toEqual([]);
    await expect.poll(() => page.evaluate(`(() => { const image = document.getElementById("eval-chart"); return image.complete && image.naturalWidth; })()`), { timeout: STEP_MS }).toBe(640);
    await screenshot(page, "20-eval-results");

    // The chart parses as XML (Chromium's parser) and puts each point where its numbers say.
    const parsed = (await page.evaluate(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(svg)}, "image/svg+xml");
      return {
        errors: doc.getElementsByTagName("parsererror").length,
        scripts: doc.getElementsByTagName("script").length,
        points: [...doc.querySelectorAll("g.configuration")].map((group) => ({
          name: group.querySelector("text").textContent,
          cx: Number(group.querySelector("circle").getAttribute("cx")),
          cy: Number(group.querySelector("circle").getAttribute("cy")),
          bar: [Number(group.querySelector("line.interval").getAttribute("y1")), Number(group.querySelector("line.interval").getAttribute("y2"))],
        })),
      };
    })()`)) as { errors: number; scripts: number; points: { name: string; cx: number; cy: number; bar: number[] }[] };
    expect(parsed.errors).toBe(0);
    expect(parsed.scripts).toBe(0);
    const scale = chartScale(rows as ChartRow[]);
    expect(parsed.points).toEqual(
      rows.map((item) => ({ name: item.configuration, cx: scale.x(item.tokensPerSecond), cy: scale.y(item.passRate), bar: [scale.y(item.passRateInterval[0]), scale.y(item.passRateInterval[1])] })),
    );
    await context.close();
  });

  it("serves no file from a path in the request: dotted, encoded or as a query", async () => {
    const attempts = [
      "/../../../../etc/passwd",
      "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
      "/eval.html/../../package.json",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/v1/spark/eval/..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/v1/spark/eval/chart.svg/../../../../etc/passwd",
    ];
    for (const path of attempts) {
      const answer = await rawGet(path, auth());
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toMatch(/root:|"dependencies"/);
    }
    // A query naming a file changes nothing: still the latest report from the database.
    const query = await rawGet("/v1/spark/eval?path=/etc/passwd&file=../../spark.db", auth());
    expect(query.status).toBe(200);
    expect(query.body).not.toContain("root:");
    expect((JSON.parse(query.body) as { suite: string }).suite).toBe(report.suite);
  });
});
