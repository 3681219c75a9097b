#!/usr/bin/env node
/* global console, process, URL */
// Bundles the CLI (src/cli/main.ts) with esbuild into dist/cli/: one ES module for the start and one chunk
// per dynamically imported piece, so a command's code still loads only when it runs, but from a few files
// instead of hundreds (Node's module resolution and linking dominated start-up: issue 23).
//
// Every output file sits directly in dist/cli/, one folder below dist/ like each src/<capability>/ file is
// one below src/, so the paths the code builds from import.meta.url (../web, ../../package.json,
// ../../eval-tasks) point where they did before the bundle.
//
// Left outside the bundle (resolved from node_modules at run time): packages with native code or that find
// files of their own next to them (node-llama-cpp and its prebuilt engines, better-sqlite3, the sandbox
// runtime's seccomp helpers), packages that pull optional native helpers, and ioredis (only `serve --redis`).
// dist/bundle-meta.json (esbuild's metafile: which sources and packages each output file holds) lets
// test/startup-imports.test.ts check what a command loads; it is left out of the npm package.
//
// dist/cli/help.json: `spark --help` and each `spark NAME --help` as the built CLI's commander renders them
// on a pipe, for bin/spark.js to print without loading the CLI (see there).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

const external = [
  "node-llama-cpp",
  "@node-llama-cpp/*",
  "better-sqlite3",
  "@anthropic-ai/sandbox-runtime",
  "ioredis",
  // Optional helpers other packages try to load; absent is fine for them.
  "bufferutil",
  "utf-8-validate",
  "react-devtools-core",
];

// zod's namespace (`import { z } from "zod"`) re-exports all of its ~50 locales (z.locales, z.core.locales):
// half of the 580 kB it adds to every command that validates the config (`spark apply --check` compiled it
// all at start). Nothing in Spark or the packages bundled with it switches locale; English, the one zod
// installs itself (classic/schemas.js imports en.js directly), is all that is kept.
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

// CommonJS packages inside an ES module bundle call require() for Node's built-ins: give them one.
const banner = 'import { createRequire as __sparkCreateRequire } from "node:module"; const require = __sparkCreateRequire(import.meta.url);';

// Stale chunks (their names are hashes) and earlier tsc output must not be packed; dist/web is vite's.
for (const entry of existsSync(`${root}dist`) ? readdirSync(`${root}dist`) : []) {
  if (entry !== "web") rmSync(`${root}dist/${entry}`, { recursive: true, force: true });
}
const result = await build({
  absWorkingDir: root,
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.9",
  external,
  plugins: [zodEnglishOnly],
  banner: { js: banner },
  chunkNames: "chunk-[hash]",
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: "linked",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
});
writeFileSync(`${root}dist/bundle-meta.json`, JSON.stringify(result.metafile));

/** What the built CLI prints for `args` on a pipe: commander's 80 columns, no colour. */
function renderHelp(args) {
  const env = { ...process.env };
  for (const name of ["FORCE_COLOR", "NO_COLOR", "CLICOLOR_FORCE"]) delete env[name];
  return execFileSync(process.execPath, [`${root}dist/cli/main.js`, ...args], { encoding: "utf8", env, stdio: ["ignore", "pipe", "inherit"] });
}

// The commands are the terms of the root help's "Commands:" section (two spaces in; wrapped lines have more).
const rootHelp = renderHelp(["--help"]);
const commandSection = rootHelp.slice(rootHelp.indexOf("\nCommands:\n"));
const commandNames = [...commandSection.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((match) => match[1]);
if (commandNames.length === 0) throw new Error("build-cli: no commands found in `spark --help`");
const help = { "": rootHelp, ...Object.fromEntries(commandNames.map((name) => [name, renderHelp([name, "--help"])])) };
writeFileSync(`${root}dist/cli/help.json`, JSON.stringify(help));
console.log(`bundled src/cli/main.ts into ${Object.keys(result.metafile.outputs).filter((file) => file.endsWith(".js")).length} files in dist/cli/`);
