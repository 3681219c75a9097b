import { readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../core/index.js";
import { configFileSchema, type ConfigFile } from "./config-schema.js";
import { describeIssue } from "./describe-issue.js";

/** Reads and validates one TOML config file; every error names the file, the key and what is allowed. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`, { cause: error });
  }
  let data: unknown;
  try {
    data = parse(text);
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : "";
    const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new ConfigError(`${path}${where} is not valid TOML: ${detail}. Fix the syntax and run \`spark config\` to check.`, {
      cause: error,
    });
  }
  const result = configFileSchema.safeParse(data);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${describeIssue(issue)}`).join("\n");
    throw new ConfigError(`${path} has invalid settings:\n${problems}\nSee the README's Configuration section for every key.`);
  }
  return result.data;
}
