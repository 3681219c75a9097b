#!/usr/bin/env node
"use strict";
// Thin launcher so `npx spark` works from a clone after `npm run build`. It says plainly when the Node.js
// that runs it is too old or the clone is not built (an editor shows this line to its user).
//
// CommonJS (bin/package.json) and answering `spark --version` itself: an ES module entry starts Node's ES
// module loader, and the CLI's version flag went through commander and every command definition; here the
// version costs about what `node -e 0` does (issue 23). Everything else goes to the bundled CLI.
const { readFileSync, writeSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) {
  process.stderr.write(`Spark needs Node.js 20.9 or later; this is Node.js ${process.versions.node} (${process.execPath}).\n`);
  process.exit(1);
}

/** What commander's `-V`/`--version` prints, from the same package.json that src/core/spark-version.ts reads. */
function printVersion() {
  const { version } = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8"));
  try {
    // A direct write: process.stdout on a pipe would load Node's net and stream modules for one line.
    writeSync(1, `${version}\n`);
  } catch (error) {
    // `spark --version | head -c0` closed the pipe: stop quietly, as the CLI does. A non-blocking stdout
    // that is full (EAGAIN) gets the ordinary stream, which waits.
    if (error && error.code === "EPIPE") return;
    if (error && error.code === "EAGAIN") process.stdout.write(`${version}\n`);
    else throw error;
  }
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
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) printVersion();
else void runCli();
