#!/usr/bin/env node
"use strict";
// Thin launcher so `npx spark` works from a clone after `npm run build`. It says plainly when the Node.js
// that runs it is too old or the clone is not built (an editor shows this line to its user).
//
// CommonJS (bin/package.json) and answering `spark --version` itself: an ES module entry starts Node's ES
// module loader, and the CLI's version flag went through commander and every command definition; here the
// version costs about what `node -e 0` does (issue 23). So does the help on a pipe (prerenderedHelp).
// Everything else goes to the bundled CLI.
const { readFileSync, writeSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) {
  process.stderr.write(`Spark needs Node.js 20.9 or later; this is Node.js ${process.versions.node} (${process.execPath}).\n`);
  process.exit(1);
}

/** Writes `text` to stdout at once: process.stdout on a pipe would load Node's net and stream modules. */
function writeOut(text) {
  const bytes = Buffer.from(text);
  let written = 0;
  try {
    // A pipe may take part of the help at a time: write until all of it is out.
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    // `spark --version | head -c0` closed the pipe: stop quietly, as the CLI does. A non-blocking stdout
    // that is full (EAGAIN) gets the rest through the ordinary stream, which waits.
    if (error && error.code === "EPIPE") return;
    if (error && error.code === "EAGAIN") process.stdout.write(bytes.subarray(written));
    else throw error;
  }
}

/** What commander's `-V`/`--version` prints, from the same package.json that src/core/spark-version.ts reads. */
function version() {
  return `${JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).version}\n`;
}

/** "" for the program's help (`--help`, `-h`, `help`), NAME for `NAME --help`, `NAME -h` or `help NAME`. */
function helpTopic(args) {
  const asksHelp = (arg) => arg === "--help" || arg === "-h";
  if (args.length === 1 && (asksHelp(args[0]) || args[0] === "help")) return "";
  if (args.length === 2 && asksHelp(args[1]) && !args[0].startsWith("-")) return args[0];
  if (args.length === 2 && args[0] === "help") return args[1];
  return undefined;
}

/**
 * The help commander rendered for this topic at build time (dist/cli/help.json, scripts/build-cli.mjs),
 * when stdout is not a terminal: on a pipe commander renders 80 columns without colour, so the text is the
 * same, and an agent reading it starts no ES module loader and no commander (issue 23). A terminal gets
 * commander's own rendering, to its width; anything not in the file (`help keys create`) goes to the CLI.
 */
function prerenderedHelp(args) {
  const topic = helpTopic(args);
  if (topic === undefined || require("node:tty").isatty(1)) return undefined;
  let help;
  try {
    help = JSON.parse(readFileSync(join(__dirname, "..", "dist", "cli", "help.json"), "utf8"));
  } catch {
    return undefined;
  }
  // Own keys only: `spark constructor --help` is an unknown command, not Object's constructor.
  return Object.hasOwn(help, topic) && typeof help[topic] === "string" ? help[topic] : undefined;
}

async function runCli() {
  const root = join(__dirname, "..");
  const main = join(root, "dist", "cli", "main.js");
  try {
    await import(pathToFileURL(main).href);
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(main)) {
      process.stderr.write(`Spark is not built: ${main} is missing. Run \`npm install\` and \`npm run build\` in ${root}.\n`);
      process.exit(1);
    }
    throw error;
  }
}

const args = process.argv.slice(2);
const help = prerenderedHelp(args);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) writeOut(version());
else if (help !== undefined) writeOut(help);
else void runCli();
