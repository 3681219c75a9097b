import { sparkHome } from "../../config/index.js";
import { createApiKeyStore, databasePath, openDatabase, type ApiKeyInfo, type BucketLimits, type KeyLimits } from "../../store/index.js";
import { exitCodes } from "../common/exit-codes.js";

function withKeys<T>(work: (keys: ReturnType<typeof createApiKeyStore>) => T): T {
  const db = openDatabase(databasePath(sparkHome(process.env)));
  try {
    return work(createApiKeyStore(db));
  } finally {
    db.close();
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

export function createKey(name: string, limits: KeyLimits, json: boolean): number {
  const { info, secret } = withKeys((keys) => keys.create({ name, limits }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ name: info.name, id: info.id, key: secret, limits: info.limits, createdAt: info.createdAt })}\n`);
  } else {
    process.stderr.write(`Created key "${info.name}" (id ${info.id}; limits: ${describeKeyLimits(info.limits)}).\nThis is the only time the key is shown; store it now. Clients send it as Authorization: Bearer KEY.\n`);
    process.stdout.write(`${secret}\n`);
  }
  return exitCodes.ok;
}

export function listKeys(json: boolean): number {
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

export function revokeKey(name: string): number {
  if (!withKeys((keys) => keys.revoke(name))) {
    process.stderr.write(`spark: there is no active key named "${name}". \`spark keys list\` shows the keys.\n`);
    return exitCodes.failed;
  }
  process.stdout.write(`Revoked key "${name}"; a running gateway refuses it at its next request and closes its WebSockets within a second.\n`);
  return exitCodes.ok;
}
