#!/usr/bin/env node
// Thin launcher so `npx spark` works from a clone after `npm run build`. It says plainly when the Node.js
// that runs it is too old or the clone is not built (an editor shows this line to its user).
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 9)) {
  process.stderr.write(`Spark needs Node.js 20.9 or later; this is Node.js ${process.versions.node} (${process.execPath}).\n`);
  process.exit(1);
}
const main = new URL("../dist/cli/main.js", import.meta.url);
try {
  await import(main.href);
} catch (error) {
  const path = fileURLToPath(main);
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes(path)) {
    const root = fileURLToPath(new URL("..", import.meta.url));
    process.stderr.write(`Spark is not built: ${path} is missing. Run \`npm install\` and \`npm run build\` in ${root}.\n`);
    process.exit(1);
  }
  throw error;
}
