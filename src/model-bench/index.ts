export { formatBenchTable, type BenchRow } from "./bench-row.js";
export { runCall, type CallResult } from "./run-call.js";
export { cacheRows, speculationRows, type SpeedBenchOptions } from "./speed-workloads.js";
