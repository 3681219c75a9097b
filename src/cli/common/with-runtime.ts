import type { ModelRuntime } from "../../runtime/index.js";
import type { GlobalOptions } from "./global-options.js";
import { abortOnInterrupt } from "./interrupt.js";
import { openRuntime, type OpenRuntimeOptions } from "./open-runtime.js";

/**
 * Runs a command's `work` on the runtime `openRuntime` gives, Ctrl-C aborting `signal`: the one place
 * that removes the interrupt handler and disposes the runtime (its engine, its models) however `work` ends.
 */
export async function withRuntime<T>(
  options: GlobalOptions,
  more: Omit<OpenRuntimeOptions, "signal">,
  work: (runtime: ModelRuntime, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const removeHandler = abortOnInterrupt(controller);
  try {
    const runtime = await openRuntime(options, { ...more, signal: controller.signal });
    try {
      return await work(runtime, controller.signal);
    } finally {
      await runtime.dispose();
    }
  } finally {
    removeHandler();
  }
}
