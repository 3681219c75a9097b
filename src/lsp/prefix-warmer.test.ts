import { describe, expect, it } from "vitest";
import type { Usage } from "../core/index.js";
import type { CompletionSource } from "./completion-source.js";
import type { FimContext } from "./fim-context.js";
import { defaultLspSettings } from "./lsp-settings.js";
import { PrefixWarmer, type WarmerDeps } from "./prefix-warmer.js";

/** A source whose warm-up runs until it is aborted, recording what it was asked. */
function stalledSource(): { source: CompletionSource; warmed: FimContext[]; aborted: () => number } {
  const warmed: FimContext[] = [];
  let aborted = 0;
  const source: CompletionSource = {
    displayName: "fake",
    mode: () => Promise.resolve("fim"),
    complete: () => {
      throw new Error("not used");
    },
    warm: (context, call) => {
      warmed.push(context);
      return new Promise<Usage | undefined>((_, reject) => {
        call.signal.addEventListener("abort", () => {
          aborted++;
          reject(new Error("aborted"));
        });
      });
    },
  };
  return { source, warmed, aborted: () => aborted };
}

/** Bounded polling for a condition the warmer reaches through its timer. */
async function until(condition: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !condition(); tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

function deps(source: CompletionSource, busy: () => boolean, logs: string[] = []): WarmerDeps {
  const text = "export const answer = ";
  return {
    settings: () => ({ ...defaultLspSettings, warmIdleMs: 1 }),
    source: () => Promise.resolve({ source, role: "fast" }),
    target: (uri) => (uri === "file:///a.ts" ? { document: { path: "a.ts", languageId: "typescript", text, lastTouched: 1 }, offset: 1_000, openDocuments: [] } : undefined),
    busy,
    log: (line) => logs.push(line),
  };
}

describe("PrefixWarmer", () => {
  it("warms the document's prompt at its cursor (clamped to the text), and a request's cancel stops it", async () => {
    const fake = stalledSource();
    const warmer = new PrefixWarmer(deps(fake.source, () => false));
    warmer.schedule("file:///a.ts");
    await until(() => fake.warmed.length === 1);
    expect(fake.warmed[0]?.prefix).toBe("export const answer = ");
    await warmer.cancel();
    expect(fake.aborted()).toBe(1);
  });

  it("does not start while a request runs, and starts once it is done", async () => {
    const fake = stalledSource();
    let busy = true;
    const warmer = new PrefixWarmer(deps(fake.source, () => busy));
    warmer.schedule("file:///a.ts");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.warmed).toHaveLength(0);
    busy = false;
    await until(() => fake.warmed.length === 1);
    await warmer.cancel();
  });

  it("keeps one warm-up at a time: a newer one stops the older", async () => {
    const fake = stalledSource();
    const warmer = new PrefixWarmer(deps(fake.source, () => false));
    warmer.schedule("file:///a.ts");
    await until(() => fake.warmed.length === 1);
    warmer.schedule("file:///a.ts");
    await until(() => fake.warmed.length === 2);
    expect(fake.aborted()).toBe(1);
    await warmer.cancel();
    expect(fake.aborted()).toBe(2);
  });

  it("skips a closed document and a cancelled schedule", async () => {
    const fake = stalledSource();
    const warmer = new PrefixWarmer(deps(fake.source, () => false));
    warmer.schedule("file:///closed.ts");
    warmer.schedule("file:///a.ts");
    await warmer.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.warmed).toHaveLength(0);
    warmer.schedule("file:///closed.ts");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.warmed).toHaveLength(0);
  });
});
