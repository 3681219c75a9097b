import type { Command } from "commander";
import { sparkHome } from "../../config/index.js";
import { UsageError } from "../../core/index.js";
import { createApiKeyStore, databasePath, openDatabase, type ApiKeyInfo, type BucketLimits, type KeyLimits } from "../../store/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { RegisterCommand } from "./register-command.js";

function withKeys<T>(work: (keys: ReturnType<typeof createApiKeyStore>) => T): T {
  const db = openDatabase(databasePath(sparkHome(process.env)));
  try {
    return work(createApiKeyStore(db));
  } finally {
    db.close();
  }
}

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

function describeLimits(limits: BucketLimits): string {
  const parts = [
    limits.requestsPerMinute !== undefined ? `${limits.requestsPerMinute} req/min` : undefined,
    limits.tokensPerMinute !== undefined ? `${limits.tokensPerMinute} tok/min` : undefined,
    limits.tokensPer5Hours !== undefined ? `${limits.tokensPer5Hours} tok/5h` : undefined,
    limits.tokensPerWeek !== undefined ? `${limits.tokensPerWeek} tok/week` : undefined,
  ].filter((part) => part !== undefined);
  return parts.length ? parts.join(", ") : "no limits of its own";
}

export function describeKeyLimits(limits: KeyLimits): string {
  const entries = Object.entries(limits);
  if (entries.length === 0) return "config defaults";
  return entries.map(([family, value]) => `${family === "*" ? "every family" : family}: ${describeLimits(value)}`).join("; ");
}

function createKey(name: string, limits: KeyLimits, json: boolean): number {
  const { info, secret } = withKeys((keys) => keys.create({ name, limits }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ name: info.name, id: info.id, key: secret, limits: info.limits, createdAt: info.createdAt })}\n`);
  } else {
    process.stderr.write(`Created key "${info.name}" (id ${info.id}; limits: ${describeKeyLimits(info.limits)}).\nThis is the only time the key is shown; store it now. Clients send it as Authorization: Bearer KEY.\n`);
    process.stdout.write(`${secret}\n`);
  }
  return exitCodes.ok;
}

function listKeys(json: boolean): number {
  const list: ApiKeyInfo[] = withKeys((keys) => keys.list());
  if (json) {
    process.stdout.write(`${JSON.stringify({ keys: list }, null, 2)}\n`);
    return exitCodes.ok;
  }
  if (list.length === 0) {
    process.stdout.write("No API keys. Create one with: spark keys create --name NAME\n");
    return exitCodes.ok;
  }
  for (const key of list) {
    const status = key.revokedAt ? `revoked ${key.revokedAt}` : "active";
    process.stdout.write(`${key.name}  (id ${key.id}, ${status}, created ${key.createdAt}, last used ${key.lastUsedAt ?? "never"})\n    limits: ${describeKeyLimits(key.limits)}\n`);
  }
  return exitCodes.ok;
}

function revokeKey(name: string): number {
  if (!withKeys((keys) => keys.revoke(name))) {
    process.stderr.write(`spark: there is no active key named "${name}". \`spark keys list\` shows the keys.\n`);
    return exitCodes.failed;
  }
  process.stdout.write(`Revoked key "${name}"; a running gateway refuses it within a second.\n`);
  return exitCodes.ok;
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
    .action((options: { name: string; json?: boolean }) => {
      const limits = Object.fromEntries(Object.entries(groups.limits).filter(([, value]) => Object.keys(value).length > 0));
      setExitCode(createKey(options.name, limits, options.json === true));
    });
  keys
    .command("list")
    .description("list keys (names, ids, limits, last use; never the secrets)")
    .option("--json", "machine-readable output")
    .action((options: { json?: boolean }) => setExitCode(listKeys(options.json === true)));
  keys
    .command("revoke")
    .description("revoke the active key with this name")
    .argument("<name>", "the key's name")
    .action((name: string, _options: unknown, _command: Command) => setExitCode(revokeKey(name)));
};
