#!/usr/bin/env node
/* global process, console */
// Spark's postinstall: applies the one-line speculative-decoding fix to the installed node-llama-cpp.
//
// node-llama-cpp 3.21.1 (still in 3.22.1) reads `validatedTokens` in LlamaContext._speculativeEvaluate but
// never fills it, so at most one draft token per batch is accepted (see DESIGN.md, "Local engine facts").
// The fix pushes each validated token right after `this._loadedTokenPredictions.push(...)`.
//
// This is plain Node with no dependencies, so it works wherever Spark is installed: in the clone (`npm ci`),
// as a dependency of another project (node-llama-cpp hoisted next to Spark), and with `npm install -g`
// (node-llama-cpp under Spark's own node_modules). It finds node-llama-cpp the way Node does (the nearest
// node_modules upwards from this file), is idempotent, writes atomically, and re-reads the file to verify.
// It never fails an install: without the fix Spark still gives the same answers, only speculative
// decoding is slower, so a file it cannot patch is reported as a warning.
//
//   node scripts/patch-node-llama-cpp.mjs            apply (postinstall)
//   node scripts/patch-node-llama-cpp.mjs --check    exit 1 unless the installed file carries the fix
import { existsSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TARGET = join("dist", "evaluator", "LlamaContext", "LlamaContext.js");
const ANCHOR = "this._loadedTokenPredictions.push([evalTokens[i], [resultToken, probabilities, confidence]]);";
const FIX = "validatedTokens.push([evalTokens[i], resultToken]);";

/** The nearest node_modules/node-llama-cpp above `start`, as Node's resolution would find it. */
export function findNodeLlamaCpp(start) {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", "node-llama-cpp");
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** "patched" when the fix follows the anchor, "unpatched" when it can be applied, else "unknown". */
export function fixState(source) {
  const at = source.indexOf(ANCHOR);
  if (at < 0 || source.indexOf(ANCHOR, at + 1) >= 0) return "unknown";
  const rest = source.slice(at + ANCHOR.length);
  return /^\r?\n[ \t]*validatedTokens\.push\(\[evalTokens\[i\], resultToken\]\);/.test(rest) ? "patched" : "unpatched";
}

/** The source with the fix inserted after the anchor, indented like it. */
export function applyFix(source) {
  const at = source.indexOf(ANCHOR);
  const lineStart = source.lastIndexOf("\n", at) + 1;
  const indent = source.slice(lineStart, at);
  const end = at + ANCHOR.length;
  return `${source.slice(0, end)}\n${indent}${FIX}${source.slice(end)}`;
}

function main() {
  const check = process.argv.includes("--check");
  const here = dirname(fileURLToPath(import.meta.url));
  const packageDir = findNodeLlamaCpp(here);
  const say = (message) => console.error(`spark postinstall: ${message}`);
  if (packageDir === undefined) {
    say("node-llama-cpp is not installed; the local engine will be unavailable.");
    return check ? 1 : 0;
  }
  const version = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")).version;
  const file = join(packageDir, TARGET);
  let source;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    say(`cannot read ${file} (${error.message}); speculative decoding will accept one draft token per batch.`);
    return check ? 1 : 0;
  }
  const state = fixState(source);
  if (state === "patched") {
    if (check) console.log(`node-llama-cpp ${version} at ${packageDir} carries the speculative-decoding fix`);
    return 0;
  }
  if (state === "unknown") {
    say(`node-llama-cpp ${version} does not contain the code the speculative-decoding fix applies to; left as is.`);
    return check ? 1 : 0;
  }
  if (check) {
    console.error(`node-llama-cpp ${version} at ${packageDir} lacks the speculative-decoding fix`);
    return 1;
  }
  try {
    const temporary = `${file}.spark-${process.pid}.tmp`;
    writeFileSync(temporary, applyFix(source));
    renameSync(temporary, file);
  } catch (error) {
    say(`cannot patch ${file} (${error.message}); speculative decoding will accept one draft token per batch.`);
    return 0;
  }
  if (fixState(readFileSync(file, "utf8")) !== "patched") {
    say(`patching ${file} did not take; speculative decoding will accept one draft token per batch.`);
    return 0;
  }
  say(`applied the speculative-decoding fix to node-llama-cpp ${version}.`);
  return 0;
}

const invoked = process.argv[1] !== undefined && existsSync(process.argv[1]) ? realpathSync(process.argv[1]) : undefined;
if (invoked === realpathSync(fileURLToPath(import.meta.url))) process.exitCode = main();
