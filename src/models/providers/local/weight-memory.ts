import { totalmem } from "node:os";

/**
 * Whether llama.cpp maps a model file (mmap) or reads it into memory of its own.
 *
 * Measured on a 2-core EPYC (bench/results/speed-real-shape-loaded-i20-speed2.md): a decoding step of a
 * 1.5B-shaped Q8_0 model read its weights 12-16% faster from memory it had read the file into than from the
 * mapped file's page-cache pages, in the same process, interleaved — decoding streams every weight once
 * per token, so where the weights live is most of its speed. A mapped file costs less memory when several
 * processes load the same model and lets a model larger than memory load at all (paged from disk), so it
 * stays the choice when the file is large next to this machine's memory, and on a GPU, where the weights
 * are copied to the device anyway.
 */
export interface WeightMemoryChoice {
  /** `[local] mmap` from the user's configuration: wins when set. */
  configured: boolean | undefined;
  fileBytes: number;
  gpu: boolean;
  /** This machine's memory (os.totalmem() unless a test says otherwise). */
  totalMemoryBytes?: number;
}

/** A file up to this share of memory is read in: the rest is left to the KV cache, the OS and other work. */
export const READ_IN_SHARE_OF_MEMORY = 0.5;

/** True when the model file should be mapped, false when it should be read into memory. */
export function useMmapFor(choice: WeightMemoryChoice): boolean {
  if (choice.configured !== undefined) return choice.configured;
  if (choice.gpu) return true;
  return choice.fileBytes > (choice.totalMemoryBytes ?? totalmem()) * READ_IN_SHARE_OF_MEMORY;
}
