import { describe, expect, it } from "vitest";
import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

describe("lazySchema", () => {
  it("builds the schema on first use only, then returns the same one", () => {
    let builds = 0;
    const schema = lazySchema(() => {
      builds++;
      return z.object({ n: z.number() }).strict();
    });
    expect(builds).toBe(0);
    expect(schema().safeParse({ n: 1 }).success).toBe(true);
    expect(schema().safeParse({ n: "1" }).success).toBe(false);
    expect(schema()).toBe(schema());
    expect(builds).toBe(1);
  });
});
