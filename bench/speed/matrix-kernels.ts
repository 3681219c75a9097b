/**
 * What the engine's matrix kernels alone reach: every weight matrix of the model's shape (Q/K/V/O and the
 * three FFN matrices of each block, and the output matrix) multiplied by one activation vector, as one
 * ggml graph on the CPU backend variant ggml picks for this machine (the engine's own prebuilt binaries,
 * node-llama-cpp's @node-llama-cpp/<platform>-<arch>), called through python3's ctypes: Node cannot call
 * a C function without an addon (test/support/ggml-reference.ts does the same). It separates the kernels
 * from the rest of a decoding step (attention, norms, graph set-up, sampling, JavaScript): if the kernels
 * alone stay far from the bandwidth bound, the gap is their compute on this CPU, not Spark's per-token work.
 * Weights are zero blocks (the kernels' work does not depend on the values); fixed arguments only.
 */
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { SHAPES, type ShapeName, type ShapeQuant } from "../../test/support/gguf-shapes.js";

export interface MatrixKernelResult {
  threads: number;
  /** Bytes of weights in the graph (what one decoding step's matrices read). */
  bytes: number;
  /** Best and median wall time of one pass over every matrix. */
  bestMs: number;
  medianMs: number;
}

/** argv: library dir, libggml's file name, ggml type id, threads, passes, then the matrices as rows x cols. Prints JSON. */
const PYTHON = `
import ctypes, json, sys, time
d, lib, kind, threads, passes, shapes = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6:]
V = ctypes.c_void_p
ggml = ctypes.CDLL(d + "/" + lib, mode=ctypes.RTLD_GLOBAL)
base = ctypes.CDLL(d + "/libggml-base.so", mode=ctypes.RTLD_GLOBAL)
class P(ctypes.Structure):
    _fields_ = [("mem_size", ctypes.c_size_t), ("mem_buffer", V), ("no_alloc", ctypes.c_bool)]
for f, r, a in [(ggml.ggml_backend_load_all_from_path, None, [ctypes.c_char_p]), (ggml.ggml_backend_init_by_type, V, [ctypes.c_int, ctypes.c_char_p]),
                (base.ggml_init, V, [P]), (base.ggml_new_tensor_2d, V, [V, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]), (base.ggml_mul_mat, V, [V, V, V]),
                (base.ggml_new_graph_custom, V, [V, ctypes.c_size_t, ctypes.c_bool]), (base.ggml_build_forward_expand, None, [V, V]),
                (base.ggml_backend_alloc_ctx_tensors, V, [V, V]), (base.ggml_backend_buffer_clear, None, [V, ctypes.c_uint8]),
                (base.ggml_backend_graph_compute, ctypes.c_int, [V, V]), (base.ggml_backend_get_device, V, [V]), (base.ggml_backend_dev_backend_reg, V, [V]),
                (base.ggml_backend_reg_get_proc_address, V, [V, ctypes.c_char_p]), (base.ggml_nbytes, ctypes.c_size_t, [V])]:
    f.restype, f.argtypes = r, a
ggml.ggml_backend_load_all_from_path(d.encode())
backend = ggml.ggml_backend_init_by_type(0, None)  # GGML_BACKEND_DEVICE_TYPE_CPU: the best variant for this CPU, as the engine loads
reg = base.ggml_backend_dev_backend_reg(base.ggml_backend_get_device(backend))
ctypes.CFUNCTYPE(None, V, ctypes.c_int)(base.ggml_backend_reg_get_proc_address(reg, b"ggml_backend_set_n_threads"))(backend, threads)
ctx = base.ggml_init(P(64 << 20, None, True))
g = base.ggml_new_graph_custom(ctx, 4096, False)
xs, total = {}, 0
for shape in shapes:
    rows, cols = map(int, shape.split("x"))
    x = xs.setdefault(cols, base.ggml_new_tensor_2d(ctx, 0, cols, 1))
    w = base.ggml_new_tensor_2d(ctx, kind, cols, rows)
    total += base.ggml_nbytes(w)
    base.ggml_build_forward_expand(g, base.ggml_mul_mat(ctx, w, x))
base.ggml_backend_buffer_clear(base.ggml_backend_alloc_ctx_tensors(ctx, backend), 0)
base.ggml_backend_graph_compute(backend, g)  # untimed: first touch of every page
times = []
for _ in range(passes):
    s = time.perf_counter(); base.ggml_backend_graph_compute(backend, g); times.append(time.perf_counter() - s)
print(json.dumps({"bytes": total, "times": times}))
`;

/** ggml type ids (ggml.h) of the quantizations the shaped models use for their matrices. */
const GGML_TYPE: Record<ShapeQuant, number> = { q8_0: 8, q4_0: 2, q4_k: 12, q4_k_m: 12 };

/** The engine's prebuilt binaries for this machine (every CPU variant) and libggml's versioned file name there. */
async function engineLibraries(): Promise<{ dir: string; libggml: string }> {
  const target = `${process.platform}-${process.arch}`;
  const bins = (await import(`@node-llama-cpp/${target}`)) as { getBinsDir: () => { binsDir: string } };
  const dir = join(bins.getBinsDir().binsDir, target);
  const libggml = (await readdir(dir)).find((name) => /^libggml(\.v[\d.]+)?\.so$/.test(name));
  if (!libggml) throw new Error(`matrix kernels: no libggml in ${dir} (a Linux build of node-llama-cpp is needed)`);
  return { dir, libggml };
}

/** Every matrix one token reads: per block Q, K, V, O, gate, up, down; then the output matrix. */
function matrices(shape: ShapeName): string[] {
  const { embd: hidden, ff: ffn, blocks, heads, headsKv, vocab: vocabulary } = SHAPES[shape];
  const kv = (hidden / heads) * headsKv;
  const block = [`${hidden}x${hidden}`, `${kv}x${hidden}`, `${kv}x${hidden}`, `${hidden}x${hidden}`, `${ffn}x${hidden}`, `${ffn}x${hidden}`, `${hidden}x${ffn}`];
  return [...Array.from({ length: blocks }, () => block).flat(), `${vocabulary}x${hidden}`];
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Times the matrices of one token at `threads` threads. Q4_K_M's Q6_K matrices are timed as Q4_K (the
 * kernel work is close; the bytes are counted as Q4_K's), so its figure is labelled by the caller.
 */
export async function measureMatrixKernels(shape: ShapeName, quant: ShapeQuant, threads: number, passes = 7): Promise<MatrixKernelResult> {
  const { dir, libggml } = await engineLibraries();
  const args = ["-c", PYTHON, dir, libggml, String(GGML_TYPE[quant]), String(threads), String(passes), ...matrices(shape)];
  const { stdout } = await promisify(execFile)("python3", args, { timeout: 300_000, maxBuffer: 1 << 20 });
  const { bytes, times } = JSON.parse(stdout) as { bytes: number; times: number[] };
  return { threads, bytes, bestMs: Math.min(...times) * 1000, medianMs: median(times) * 1000 };
}
