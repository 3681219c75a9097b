import { readFileSync } from "node:fs";

/** Spark's version, from its package.json (two folders up from this file, in src/ and in dist/ alike). */
export const sparkVersion = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
