/* global process */
// `node --import ./register.mjs app.js`: writes every module the app loads, one URL a line, to the file
// named by SPARK_IMPORT_LOG. ES modules through a resolve hook (hooks.mjs), CommonJS modules from the
// require cache when the process exits. Used by test/startup-imports.test.ts; not part of Spark.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const log = process.env.SPARK_IMPORT_LOG;
if (!log) throw new Error("import-recorder: set SPARK_IMPORT_LOG to the file that receives the module list");
register("./hooks.mjs", import.meta.url, { data: { log } });
const cache = createRequire(import.meta.url).cache;
process.on("exit", () => {
  const files = Object.keys(cache).map((file) => pathToFileURL(file).href);
  if (files.length > 0) appendFileSync(log, `${files.join("\n")}\n`);
});
