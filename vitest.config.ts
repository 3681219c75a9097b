import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The local engine is CPU-bound on 2 cores; parallel files would starve each other.
    fileParallelism: false,
    // expect.poll waits for something the system under test does (a browser, a gateway, an engine): its
    // default of 1 s fails on a loaded machine. 15 s bounds it still.
    expect: { poll: { timeout: 15_000 } },
  },
});
