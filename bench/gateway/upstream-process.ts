/**
 * The benchmark's upstream as its own process: prints `upstream listening on URL` once, and exits when
 * its parent closes stdin (or on SIGTERM), so a benchmark that dies never leaves it running.
 */
import { startFastUpstream } from "./fast-upstream.js";

const upstream = await startFastUpstream(Number(process.env.BENCH_UPSTREAM_PORT ?? 0));
process.stdout.write(`upstream listening on ${upstream.url}\n`);
const stop = () => void upstream.close().finally(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
