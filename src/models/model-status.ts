import { existsSync } from "node:fs";
import { keyIsOptional } from "./key-optional.js";
import type { ModelTarget } from "./model-target.js";

export interface ModelStatus {
  usable: boolean;
  detail: string;
}

/** Whether a model can be called right now, without calling it: key present, file present. */
export function modelStatus(target: ModelTarget, env: NodeJS.ProcessEnv): ModelStatus {
  switch (target.kind) {
    case "remote":
      if (!target.apiKeyEnv) return { usable: true, detail: "no key needed" };
      if (env[target.apiKeyEnv]) return { usable: true, detail: `key in $${target.apiKeyEnv}` };
      return keyIsOptional(target.baseUrl) ? { usable: true, detail: `$${target.apiKeyEnv} optional, not set` } : { usable: false, detail: `$${target.apiKeyEnv} not set` };
    case "local":
      return existsSync(target.path) ? { usable: true, detail: "file present" } : { usable: false, detail: "file missing" };
    case "hf":
      return existsSync(target.cachePath) ? { usable: true, detail: "downloaded" } : { usable: true, detail: "downloads on first use" };
  }
}
