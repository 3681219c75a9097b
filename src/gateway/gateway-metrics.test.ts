import { describe, expect, it } from "vitest";
import { GatewayMetrics, MAX_MODEL_LABELS, OTHER_MODEL } from "./gateway-metrics.js";

describe("GatewayMetrics", () => {
  it("keeps at most MAX_MODEL_LABELS model names as labels, however many names requests make up", async () => {
    const metrics = new GatewayMetrics();
    for (let index = 0; index < MAX_MODEL_LABELS * 5; index++) {
      metrics.requests.inc({ route: "/v1/chat/completions", model: metrics.modelLabel(`lab/made-up-${index}`), status: "200" });
    }
    expect(metrics.modelLabel("lab/made-up-0")).toBe("lab/made-up-0");
    expect(metrics.modelLabel("lab/one-more")).toBe(OTHER_MODEL);
    const series = (await metrics.text()).split("\n").filter((line) => line.startsWith("spark_gateway_requests_total{"));
    expect(series).toHaveLength(MAX_MODEL_LABELS + 1);
  });
});
