import type { TestProject } from "vitest/node";
import { redisServerInstalled, startRedis, type TestRedis } from "./support/redis-server.js";
import { ensureTestModel } from "./support/tiny-gguf.js";

/**
 * Before any test file runs: writes the tiny GGUF test model once (milliseconds) and starts one
 * redis-server on a loopback port for the whole run, provided to tests as `inject("redis")`. Without
 * redis-server installed the run goes on and the tests that need Redis skip, saying why; a
 * redis-server that is installed but fails to start fails the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await ensureTestModel();
  let redis: TestRedis | undefined;
  if (redisServerInstalled()) {
    redis = await startRedis();
    project.provide("redis", { url: redis.url });
  } else {
    project.provide("redis", { unavailable: "redis-server is not installed (apt-get install redis-server; .ci/run installs it)" });
  }
  return async () => {
    await redis?.stop();
  };
}
