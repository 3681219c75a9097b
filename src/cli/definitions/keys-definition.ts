import { UsageError } from "../../core/index.js";
import type { BucketLimits, KeyLimits } from "../../store/index.js";
import type { RegisterCommand } from "./register-command.js";

/**
 * `--family F` starts a group; `--rpm`, `--tpm`, `--tokens-5h`, `--tokens-week` set limits in the current
 * group (before any `--family`: every family, "*"). Commander calls the parsers in command-line order.
 */
class LimitGroups {
  limits: KeyLimits = {};
  private current = "*";

  family = (name: string): string => {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UsageError(`--family expects a family name from [families] in config (or "standard"), got "${name}".`);
    this.current = name;
    this.limits[name] ??= {};
    return name;
  };

  setter(flag: string, field: keyof BucketLimits): (value: string) => number {
    return (value) => {
      const number = Number(value.replace(/_/g, ""));
      if (!Number.isInteger(number) || number <= 0) throw new UsageError(`${flag} expects a whole number above 0, got "${value}".`);
      (this.limits[this.current] ??= {})[field] = number;
      return number;
    };
  }
}

export const registerKeysCommand: RegisterCommand = (program, setExitCode) => {
  const keys = program.command("keys").description("manage the gateway's API keys (stored hashed in Spark's database)");
  const groups = new LimitGroups();
  keys
    .command("create")
    .description("create a key and print it once; limits apply per model family")
    .requiredOption("--name <name>", "a name for the key (who or what uses it)")
    .option("--family <family>", "the following limits apply to this family (repeatable; before any --family: every family)", groups.family)
    .option("--rpm <n>", "requests per minute", groups.setter("--rpm", "requestsPerMinute"))
    .option("--tpm <n>", "tokens per minute", groups.setter("--tpm", "tokensPerMinute"))
    .option("--tokens-5h <n>", "tokens per rolling 5 hours", groups.setter("--tokens-5h", "tokensPer5Hours"))
    .option("--tokens-week <n>", "tokens per rolling week", groups.setter("--tokens-week", "tokensPerWeek"))
    .option("--json", "print the key and its details as JSON")
    .action(async (options: { name: string; json?: boolean }) => {
      const limits = Object.fromEntries(Object.entries(groups.limits).filter(([, value]) => Object.keys(value).length > 0));
      const { createKey } = await import("../commands/keys-command.js");
      setExitCode(createKey(options.name, limits, options.json === true));
    });
  keys
    .command("list")
    .description("list keys (names, ids, limits, last use; never the secrets)")
    .option("--json", "machine-readable output")
    .action(async (options: { json?: boolean }) => {
      const { listKeys } = await import("../commands/keys-command.js");
      setExitCode(listKeys(options.json === true));
    });
  keys
    .command("revoke")
    .description("revoke the active key with this name")
    .argument("<name>", "the key's name")
    .action(async (name: string) => {
      const { revokeKey } = await import("../commands/keys-command.js");
      setExitCode(revokeKey(name));
    });
};
