import { describe, expect, it } from "vitest";
import { chartScale, escapeXml, formatEvalChart, type ChartRow } from "./eval-chart.js";
import { formatEvalMarkdown } from "./eval-report.js";
import { summarise } from "./eval-results.js";

const row = (configuration: string, passRate: number, interval: [number, number], tokensPerSecond: number | null, wallMs = 10_000, tasks = 10): ChartRow => ({
  configuration,
  passRate,
  passRateInterval: interval,
  tokensPerSecond,
  wallMs,
  tasks,
});

/** Each configuration's point and error bar as drawn: [cx, cy, bar top, bar bottom]. */
function drawn(svg: string): number[][] {
  return [...svg.matchAll(/<line class="interval" x1="([\d.]+)" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"[^>]*\/>(?:\n.*){2}\n<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((match) =>
    [match[4], match[5], match[3], match[2]].map(Number),
  );
}

describe("the speed-against-pass-rate chart", () => {
  it("places each configuration by its speed and pass rate, with its interval as the error bar", () => {
    const rows = [row("fast", 0.5, [0.3, 0.7], 1200), row("strong", 0.8, [0.6, 0.9], 75)];
    const svg = formatEvalChart(rows);
    const scale = chartScale(rows);
    // 1,200 tok/s × 1.1 rounds up to 2,000: the axis runs 0..2,000.
    expect(scale.maxSpeed).toBe(2000);
    const points = drawn(svg);
    expect(points).toHaveLength(2);
    expect(points[0]).toEqual([scale.x(1200), scale.y(0.5), scale.y(0.7), scale.y(0.3)]);
    expect(points[1]).toEqual([scale.x(75), scale.y(0.8), scale.y(0.9), scale.y(0.6)]);
    // Faster is further right, a higher pass rate further up (SVG's y grows downwards).
    expect(points[0]![0]).toBeGreaterThan(points[1]![0]!);
    expect(points[1]![1]).toBeLessThan(points[0]![1]!);
    expect(scale.y(0)).toBeGreaterThan(scale.y(1));
    expect(svg).toContain("output tokens/s (faster →)");
  });

  it("falls back to wall time per task when a configuration has no token speed", () => {
    const rows = [row("a", 1, [0.7, 1], null, 40_000, 4), row("b", 0, [0, 0.3], 50, 10_000, 4)];
    const scale = chartScale(rows);
    expect(scale.axis.label).toContain("wall time per task");
    expect(scale.axis.value(rows[0]!)).toBe(10);
    expect(drawn(formatEvalChart(rows)).map((point) => point[0])).toEqual([scale.x(10), scale.x(2.5)]);
  });

  it("escapes a hostile configuration name and drops what XML forbids; no script, no external reference", () => {
    const hostile = `<script>alert(1)</script>"&'\u0000\u001b]x`;
    const svg = formatEvalChart([row(hostile, 0.5, [0.2, 0.8], 10)]);
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp;&apos;]x");
    // eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids
    expect(svg).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(svg).not.toMatch(/href|url\(|<foreignObject|on[a-z]+=/i);
    expect(escapeXml("a<b>&c")).toBe("a&lt;b&gt;&amp;c");
  });

  it("is embedded in eval.md as one HTML block (no blank line inside), and not in the terminal's table", () => {
    const summary = summarise("fast", "test machine", "2026-12-07T00:00:00Z", [
      { task: "t1", language: "python", passed: true, outcome: "not-reviewed", wallMs: 2000, accounting: [], detail: "", ttftMs: null, rounds: 1, escalated: false },
    ]);
    const markdown = formatEvalMarkdown([summary], { chart: true });
    const svg = markdown.slice(markdown.indexOf("<svg"), markdown.indexOf("</svg>") + 6);
    expect(svg).toBe(formatEvalChart([summary]));
    expect(svg).not.toMatch(/\n\s*\n/);
    expect(markdown).toMatch(/## Speed against pass rate\n\n<svg/);
    expect(formatEvalMarkdown([summary])).not.toContain("<svg");
  });
});
