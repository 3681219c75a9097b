import { exitCodes } from "./exit-codes.js";

/**
 * Ctrl-C aborts the running generation (the partial answer is kept and printed); a second Ctrl-C exits
 * at once. Returns a function that removes the handler.
 */
export function abortOnInterrupt(controller: AbortController): () => void {
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(exitCodes.interrupted);
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  return () => process.off("SIGINT", onSigint);
}
