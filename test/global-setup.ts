import { ensureTestModel } from "./support/tiny-gguf.js";

/** Writes the tiny GGUF test model once (milliseconds) before any test file runs. */
export default async function setup(): Promise<void> {
  await ensureTestModel();
}
