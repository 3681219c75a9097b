/**
 * The memory-bandwidth bound of this machine, measured: each of N worker threads scans its own buffer,
 * far larger than any cache, with Buffer#indexOf for a byte that is not there (glibc's memchr: vector
 * loads, one streaming read of every byte, no writes). All start together on a shared barrier; the
 * figure is the bytes all of them read divided by the slowest one's time, best of a few passes. That is
 * a read bandwidth a decoding step can hope for (llama.cpp streams its weights the same way), not a
 * vendor's peak: a machine loaded by other work reports what is left for this one.
 */
import { Worker } from "node:worker_threads";

export interface BandwidthResult {
  threads: number;
  /** Bytes each thread scans per pass. */
  bufferBytes: number;
  passes: number;
  /** Best and median, in bytes per second, over all threads together. */
  bestBytesPerSecond: number;
  medianBytesPerSecond: number;
}

/** Worker body, plain JavaScript (eval'd): waits on the barrier, then times each pass. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { size, passes, barrier } = workerData;
const buffer = Buffer.alloc(size, 1);
buffer.indexOf(0); // fault every page in before timing
const gate = new Int32Array(barrier);
const times = [];
for (let pass = 0; pass < passes; pass++) {
  Atomics.add(gate, 1, 1);
  Atomics.wait(gate, 0, pass);
  const started = process.hrtime.bigint();
  if (buffer.indexOf(0) !== -1) throw new Error("the scanned byte is there");
  times.push(Number(process.hrtime.bigint() - started) / 1e9);
}
parentPort.postMessage(times);
`;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Opens the barrier for each pass once every worker waits on it. */
async function releasePasses(gate: Int32Array, threads: number, passes: number): Promise<void> {
  for (let pass = 0; pass < passes; pass++) {
    // Bounded: a worker that died leaves the wait to its 'error' event, not to this loop.
    for (let tries = 0; Atomics.load(gate, 1) < threads * (pass + 1) && tries < 600_000; tries++) await new Promise((resolve) => setTimeout(resolve, 1));
    Atomics.store(gate, 0, pass + 1);
    Atomics.notify(gate, 0);
  }
}

export async function measureReadBandwidth(threads: number, bufferBytes = 512 << 20, passes = 7): Promise<BandwidthResult> {
  const barrier = new SharedArrayBuffer(8);
  const gate = new Int32Array(barrier);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { size: bufferBytes, passes, barrier } }));
  const results = workers.map((worker) => new Promise<number[]>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  }));
  try {
    await Promise.race([releasePasses(gate, threads, passes), Promise.all(results)]);
    const times = await Promise.all(results);
    const perPass = Array.from({ length: passes }, (_, pass) => (threads * bufferBytes) / Math.max(...times.map((list) => list[pass] as number)));
    return { threads, bufferBytes, passes, bestBytesPerSecond: Math.max(...perPass), medianBytesPerSecond: median(perPass) };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
