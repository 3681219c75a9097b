import { readFileSync, statSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { ConfigError, errorMessage } from "../core/index.js";
import { checkConfigShape, configLimits } from "./config-limits.js";
import { configFileSchema, type ConfigFile } from "./config-schema.js";
import { describeIssue } from "./describe-issue.js";

/** Reads and validates one TOML config file; every error names the file, the key and what is allowed. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    const stats = statSync(path);
    // A FIFO or a device (a link to /dev/zero) would block or never end: only a regular file is read.
    if (!stats.isFile()) throw new ConfigError(`${path} is not a regular file. Replace it with a TOML file, or remove it.`);
    const { size } = stats;
    if (size > configLimits.bytes) {
      throw new ConfigError(`${path} is ${size} bytes; a config file may have at most ${configLimits.bytes}. Remove what Spark does not need from it.`);
    }
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`Cannot read config file ${path}: ${errorMessage(error)}`, { cause: error });
  }
  let data: unknown;
  try {
    data = parse(text, { maxDepth: configLimits.depth });
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : "";
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`${path}${where} is not valid TOML: ${detail}. Fix the syntax and run \`spark config\` to check.`, {
      cause: error,
    });
  }
  checkConfigShape(data, path);
  const result = configFileSchema().safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${describeIssue(issue)}`).join("\n");
    throw new ConfigError(`${path} has invalid settings:\n${problems}\nSee the README's Configuration section for every key.`);
  }
  return result.data;
}
