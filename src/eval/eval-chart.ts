import type { EvalSummary } from "./eval-results.js";

/** What the chart needs of a configuration's row (eval.json's rows, or rows read back from the database). */
export type ChartRow = Pick<EvalSummary, "configuration" | "passRate" | "passRateInterval" | "tokensPerSecond" | "wallMs" | "tasks">;

/** The speed axis: output tokens/s where every configuration has it, else wall time per task (lower is faster). */
export interface SpeedAxis {
  label: string;
  value: (row: ChartRow) => number;
}

export function speedAxis(rows: readonly ChartRow[]): SpeedAxis {
  if (rows.length > 0 && rows.every((row) => row.tokensPerSecond !== null)) {
    return { label: "output tokens/s (faster →)", value: (row) => row.tokensPerSecond ?? 0 };
  }
  return { label: "wall time per task, s (← faster)", value: (row) => (row.tasks === 0 ? 0 : row.wallMs / row.tasks / 1000) };
}

// The plot area inside the picture, in SVG units.
const WIDTH = 640;
const HEIGHT = 400;
const LEFT = 64;
const RIGHT = WIDTH - 24;
const TOP = 40;
const BOTTOM = HEIGHT - 56;
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

/**
 * Text as SVG character data: markup characters escaped, and the characters XML 1.0 forbids (a model name
 * is the user's config or a server's answer, so anything) dropped, so the document always parses.
 */
export function escapeXml(text: string): string {
  return text
    // eslint-disable-next-line no-control-regex -- exactly the control characters XML 1.0 forbids
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "")
    .replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[char] ?? char);
}

/** A round upper end for the axis (1, 2 or 5 times a power of ten) at or above `max`. */
function niceCeiling(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((step) => step * power >= max) ?? 10) * power;
}

const fixed = (value: number) => Number(value.toFixed(1));

/** Where a value lands: x from the speed axis (0 to its round maximum), y from the pass rate (0% bottom, 100% top). */
export function chartScale(rows: readonly ChartRow[]): { axis: SpeedAxis; maxSpeed: number; x: (speed: number) => number; y: (rate: number) => number } {
  const axis = speedAxis(rows);
  const maxSpeed = niceCeiling(Math.max(0, ...rows.map(axis.value)) * 1.1);
  return {
    axis,
    maxSpeed,
    x: (speed) => fixed(LEFT + (Math.min(Math.max(speed, 0), maxSpeed) / maxSpeed) * (RIGHT - LEFT)),
    y: (rate) => fixed(BOTTOM - Math.min(Math.max(rate, 0), 1) * (BOTTOM - TOP)),
  };
}

const tickLabel = (value: number) => (Number.isInteger(value) ? String(value) : value.toPrecision(2));

function axes(scale: ReturnType<typeof chartScale>): string[] {
  const lines = [`<line x1="${LEFT}" y1="${BOTTOM}" x2="${RIGHT}" y2="${BOTTOM}" stroke="#666"/>`, `<line x1="${LEFT}" y1="${TOP}" x2="${LEFT}" y2="${BOTTOM}" stroke="#666"/>`];
  for (let step = 0; step <= 5; step++) {
    const rate = step / 5;
    const y = scale.y(rate);
    lines.push(`<line x1="${LEFT}" y1="${y}" x2="${RIGHT}" y2="${y}" stroke="#ddd"/>`, `<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end">${rate * 100}%</text>`);
    const speed = (scale.maxSpeed * step) / 5;
    lines.push(`<text x="${scale.x(speed)}" y="${BOTTOM + 18}" text-anchor="middle">${tickLabel(speed)}</text>`);
  }
  lines.push(
    `<text x="${(LEFT + RIGHT) / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(scale.axis.label)}</text>`,
    `<text x="16" y="${(TOP + BOTTOM) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(TOP + BOTTOM) / 2})">pass rate (95% interval)</text>`,
  );
  return lines;
}

/** One configuration: its point, its interval as an error bar with caps, and its name beside it. */
function point(row: ChartRow, index: number, scale: ReturnType<typeof chartScale>): string[] {
  const color = COLORS[index % COLORS.length] ?? "#000";
  const x = scale.x(scale.axis.value(row));
  const [low, high] = [scale.y(row.passRateInterval[0]), scale.y(row.passRateInterval[1])];
  const name = escapeXml(row.configuration);
  const anchor = x > (LEFT + RIGHT) / 2 ? "end" : "start";
  return [
    `<g class="configuration" data-index="${index}">`,
    `<title>${name}: ${(row.passRate * 100).toFixed(0)}% (${(row.passRateInterval[0] * 100).toFixed(0)}–${(row.passRateInterval[1] * 100).toFixed(0)}%)</title>`,
    `<line class="interval" x1="${x}" y1="${low}" x2="${x}" y2="${high}" stroke="${color}" stroke-width="2"/>`,
    `<line x1="${x - 6}" y1="${low}" x2="${x + 6}" y2="${low}" stroke="${color}" stroke-width="2"/>`,
    `<line x1="${x - 6}" y1="${high}" x2="${x + 6}" y2="${high}" stroke="${color}" stroke-width="2"/>`,
    `<circle cx="${x}" cy="${scale.y(row.passRate)}" r="5" fill="${color}"/>`,
    `<text x="${anchor === "end" ? x - 10 : x + 10}" y="${scale.y(row.passRate) - 8}" text-anchor="${anchor}" fill="${color}">${name}</text>`,
    "</g>",
  ];
}

/**
 * The speed-versus-pass-rate chart of a run: one point per configuration with its 95% interval as an
 * error bar. A self-contained SVG (no script, no external reference, every text escaped), with no blank
 * line, so Markdown keeps it as one HTML block when it is embedded in eval.md.
 */
export function formatEvalChart(rows: readonly ChartRow[], title = "Speed against pass rate"): string {
  const scale = chartScale(rows);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="12" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
    ...axes(scale),
    ...rows.flatMap((row, index) => point(row, index, scale)),
    "</svg>",
  ].join("\n");
}
