import "./styles.css";
import "./eval-page.css";
import type { EvalReportData } from "../eval/eval-report-schema.js";
import { GatewayClient, GatewayRequestError, localStorageKeys } from "./gateway-client.js";

/**
 * The results page (/eval.html): the latest `spark eval` report from GET /v1/spark/eval, as tables, and
 * its chart from GET /v1/spark/eval/chart.svg. Every text goes in with textContent; the chart, fetched
 * with the key, is shown as an image (an SVG in an <img> runs nothing).
 */

/** GET /v1/spark/eval's body: the stored eval.json as the gateway checked it, with its id and date. */
type Report = EvalReportData & { id: number; created_at: string };

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`eval.html lacks #${id} (a ${type.name}); rebuild the web UI.`);
  return element;
}

const page = {
  status: byId("eval-status", HTMLParagraphElement),
  keyForm: byId("eval-key-form", HTMLFormElement),
  keyInput: byId("eval-key-input", HTMLInputElement),
  results: byId("eval-results", HTMLElement),
  run: byId("eval-run", HTMLParagraphElement),
  chart: byId("eval-chart", HTMLImageElement),
  configurations: byId("eval-configurations", HTMLTableElement),
  comparisons: byId("eval-comparisons", HTMLTableElement),
};

const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const percent = (rate: number) => `${(rate * 100).toFixed(0)}%`;
const signed = (rate: number) => `${rate > 0 ? "+" : ""}${(rate * 100).toFixed(0)} pts`;
const orNa = <T>(value: T | null, format: (value: T) => string) => (value === null ? "n/a" : format(value));

function fillTable(table: HTMLTableElement, head: readonly string[], rows: readonly (readonly string[])[]): void {
  table.replaceChildren();
  const headRow = table.createTHead().insertRow();
  for (const text of head) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = text;
    headRow.append(cell);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    for (const text of row) line.insertCell().textContent = text;
  }
}

function showReport(report: Report): void {
  const first = report.configurations[0];
  page.run.textContent = `${report.suite} (${report.layout} layout) · run ${report.id}, recorded ${report.created_at}${first ? ` · ${first.machine}` : ""}`;
  fillTable(
    page.configurations,
    ["configuration", "tasks", "passed", "skipped", "pass rate", "95% interval", "tokens/s", "wall time", "TTFT", "tokens in", "tokens out", "cost", "review rounds", "escalations"],
    report.configurations.map((row) => [
      row.configuration, String(row.tasks), String(row.passed), String(row.skipped), percent(row.passRate), `${percent(row.passRateInterval[0])}–${percent(row.passRateInterval[1])}`,
      orNa(row.tokensPerSecond, (value) => whole.format(value)), `${(row.wallMs / 1000).toFixed(1)} s`, orNa(row.ttftMs, (value) => `${whole.format(value)} ms`),
      whole.format(row.inputTokens), whole.format(row.outputTokens), orNa(row.cost, (value) => value.toFixed(4)), String(row.reviewRounds), String(row.escalations),
    ]),
  );
  fillTable(
    page.comparisons,
    ["configuration vs first", "tasks both ran", "passed only by the first", "passed only by this", "difference", "95% interval"],
    report.comparisons.map((pair) => [`${pair.configuration} vs ${pair.baseline}`, String(pair.tasks), String(pair.onlyBaseline), String(pair.onlyConfiguration), signed(pair.difference), `${signed(pair.interval[0])} to ${signed(pair.interval[1])}`]),
  );
  page.results.hidden = false;
}

async function load(client: GatewayClient): Promise<void> {
  page.status.textContent = "Loading…";
  try {
    const report = await client.json<Report>("/v1/spark/eval");
    const chart = await (await client.request("/v1/spark/eval/chart.svg")).blob();
    if (page.chart.src) URL.revokeObjectURL(page.chart.src);
    page.chart.src = URL.createObjectURL(chart);
    showReport(report);
    page.keyForm.hidden = true;
    page.status.textContent = "";
  } catch (error) {
    const needsKey = error instanceof GatewayRequestError && error.needsKey;
    page.keyForm.hidden = !needsKey;
    page.results.hidden = true;
    page.status.textContent = error instanceof Error ? error.message : String(error);
  }
}

const keys = localStorageKeys(localStorage);
const client = new GatewayClient(keys);
page.keyForm.addEventListener("submit", (event) => {
  event.preventDefault();
  keys.set(page.keyInput.value.trim() || undefined);
  void load(client);
});
void load(client);
