/**
 * ggml's own reference quantizers, from the engine's prebuilt libggml-base (node-llama-cpp's
 * @node-llama-cpp/<platform>-<arch> package), called through python3's ctypes: Node cannot call a C
 * function without an addon, and python3 is on every machine the suite runs on (.ci/run installs it).
 * The test-model writers are held to these bytes. Fixed arguments and files in a fresh temporary folder;
 * nothing from the test data reaches a command line.
 */
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { openTempDir } from "./temp-dir.js";

/** The ggml types whose reference quantizer the writers match exactly, with their block sizes. */
const GGML_BLOCKS = {
  q4_K: { values: 256, bytes: 144 },
  q6_K: { values: 256, bytes: 210 },
  q5_0: { values: 32, bytes: 22 },
} as const;

export type GgmlReferenceType = keyof typeof GGML_BLOCKS;

/** Loads the library, quantizes the float32s in argv[3] with quantize_row_<type>_ref, writes argv[4]. */
const PYTHON = `
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
data = open(sys.argv[3], "rb").read()
n = len(data) // 4
out = (ctypes.c_uint8 * int(sys.argv[5]))()
getattr(lib, "quantize_row_%s_ref" % sys.argv[2])((ctypes.c_float * n).from_buffer_copy(data), out, ctypes.c_int64(n))
open(sys.argv[4], "wb").write(bytes(out))
`;

/** The engine's libggml-base for this machine: the prebuilt binaries node-llama-cpp loads. */
async function ggmlBaseLibrary(): Promise<string> {
  const target = `${process.platform}-${process.arch}`;
  const extension = process.platform === "darwin" ? "dylib" : "so";
  const bins = (await import(`@node-llama-cpp/${target}`).catch(() => {
    throw new Error(`node-llama-cpp's prebuilt binaries for ${target} are not installed (npm ci installs them)`);
  })) as { getBinsDir: () => { binsDir: string } };
  return join(bins.getBinsDir().binsDir, target, `libggml-base.${extension}`);
}

/** `values` quantized by ggml's quantize_row_<type>_ref (a whole number of blocks). */
export async function ggmlReferenceQuantize(type: GgmlReferenceType, values: Float32Array): Promise<Buffer> {
  const { values: perBlock, bytes: blockBytes } = GGML_BLOCKS[type];
  if (values.length % perBlock !== 0) throw new Error(`${type} needs a multiple of ${perBlock} values`);
  const temp = openTempDir("ggml-reference-");
  try {
    const input = join(temp.dir, "values.f32");
    const output = join(temp.dir, "quantized.bin");
    await writeFile(input, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    const size = String((values.length / perBlock) * blockBytes);
    await promisify(execFile)("python3", ["-c", PYTHON, await ggmlBaseLibrary(), type, input, output, size], { timeout: 60_000 });
    return await readFile(output);
  } finally {
    temp.close();
  }
}
