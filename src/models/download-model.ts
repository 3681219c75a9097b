import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { errorMessage, ModelError } from "../core/index.js";
import { checkGgufFile } from "./providers/local/check-gguf-file.js";

export interface DownloadProgress {
  receivedBytes: number;
  totalBytes: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Bearer token for gated repositories (HF_TOKEN). */
  token?: string;
  /** How long to wait for the server to answer before giving up. */
  connectTimeoutMs?: number;
}

function failure(url: string, reason: string, cause?: unknown): ModelError {
  return new ModelError(
    "model_download_failed",
    `Cannot download ${url}: ${reason}. Spark needs to reach the server once to cache the model; or download the file yourself and use -m local:PATH.gguf.`,
    cause === undefined ? {} : { cause },
  );
}

async function request(url: string, options: DownloadOptions): Promise<Response> {
  // The time limit covers connecting and the headers only: a large model may take long to stream.
  const connect = new AbortController();
  const timer = setTimeout(() => connect.abort(), options.connectTimeoutMs ?? 15_000);
  const signal = options.signal ? AbortSignal.any([options.signal, connect.signal]) : connect.signal;
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: options.token ? { authorization: `Bearer ${options.token}` } : {} });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw failure(url, connect.signal.aborted ? "the server did not answer in time" : (cause?.code ?? cause?.message ?? errorMessage(error)), error);
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 401 || response.status === 403) throw failure(url, `access denied (${response.status}); for a gated model set HF_TOKEN`);
  if (response.status === 404) throw failure(url, "no such file (404); check OWNER/REPO/FILE");
  if (!response.ok || !response.body) throw failure(url, `the server answered ${response.status}`);
  return response;
}

/**
 * Downloads `url` to `destination` once: into a `.part` file, checked as GGUF, then renamed, so an
 * interrupted download never leaves a file that looks complete.
 */
export async function downloadModel(url: string, destination: string, options: DownloadOptions = {}): Promise<void> {
  if (await stat(destination).then((info) => info.isFile(), () => false)) return;
  const response = await request(url, options);
  const totalHeader = Number(response.headers.get("content-length"));
  const progress: DownloadProgress = { receivedBytes: 0, totalBytes: totalHeader > 0 ? totalHeader : null };
  const partial = `${destination}.part`;
  await mkdir(dirname(destination), { recursive: true });
  const body = Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]);
  body.on("data", (chunk: Buffer) => {
    progress.receivedBytes += chunk.length;
    options.onProgress?.(progress);
  });
  try {
    await pipeline(body, createWriteStream(partial), options.signal ? { signal: options.signal } : {});
    await checkGgufFile(partial);
    await rename(partial, destination);
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof ModelError) throw error;
    throw failure(url, errorMessage(error), error);
  }
}
