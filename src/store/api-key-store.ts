import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Database } from "better-sqlite3";
import { UsageError } from "../core/index.js";
import type { BucketLimits } from "./rate-bucket-store.js";
import { systemClock, type StoreClock } from "./store-clock.js";
import { camelFields } from "./row-fields.js";

/**
 * Gateway API keys. A key is `sk-spark-<id>_<secret>`: the id finds one row, the secret is checked against
 * sha256(salt || secret) with a per-key random salt, compared in constant time. Only the hash and salt are
 * stored; the full key is shown once, when it is created, and never again.
 */

/** Limits per model family; the family "*" applies to every family the key has no entry for. */
export type KeyLimits = Record<string, BucketLimits>;

export interface ApiKeyInfo {
  id: string;
  name: string;
  limits: KeyLimits;
  /** ISO 8601. */
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  name: string;
  limits?: KeyLimits;
}

export interface ApiKeyStore {
  /** Creates a key; the returned `secret` is the only time the full key exists outside the caller. */
  create(key: NewApiKey): { info: ApiKeyInfo; secret: string };
  /** Every key, revoked ones included, oldest first. */
  list(): ApiKeyInfo[];
  /** Revokes the active key of that name; false when there is none. */
  revoke(name: string): boolean;
  /** The active key a presented secret belongs to, or undefined (unknown, malformed or revoked). */
  verify(presented: string): ApiKeyInfo | undefined;
  /** Whether the key of that id exists and is not revoked (a socket opened with it is still allowed). */
  isActive(id: string): boolean;
  /** How many keys are active (not revoked). */
  activeCount(): number;
  /** How many keys were ever created, revoked ones included. */
  totalCount(): number;
  /** Records that the key was used (at most about once a minute per key is worth writing). */
  touch(id: string): void;
}

interface KeyRow {
  id: string;
  name: string;
  salt: string;
  hash: string;
  limits: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

const KEY_PATTERN = /^sk-spark-([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function hashSecret(salt: string, secret: string): Buffer {
  return createHash("sha256").update(salt, "hex").update(secret, "utf8").digest();
}

function toInfo(row: KeyRow): ApiKeyInfo {
  const { id, name } = row;
  return { id, name, limits: JSON.parse(row.limits) as KeyLimits, ...camelFields(row, ["created_at", "revoked_at", "last_used_at"]) };
}

export function createApiKeyStore(db: Database, clock: StoreClock = systemClock): ApiKeyStore {
  const insert = db.prepare("INSERT INTO api_keys (id, name, salt, hash, limits, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  const selectAll = db.prepare("SELECT * FROM api_keys ORDER BY created_at, rowid");
  // Exactly one row whether or not the id exists (a miss gets the decoy's salt and hash, of the same sizes),
  // so a lookup reads and decodes the same data either way and its time does not tell which ids exist.
  const selectForVerify = db.prepare(`
    SELECT k.id IS NOT NULL AS found, COALESCE(k.salt, @decoySalt) AS salt, COALESCE(k.hash, @decoyHash) AS hash, k.revoked_at AS revoked_at
    FROM (SELECT @id AS want) AS w LEFT JOIN api_keys AS k ON k.id = w.want`);
  const selectById = db.prepare("SELECT * FROM api_keys WHERE id = ?");
  const selectActiveByName = db.prepare("SELECT id FROM api_keys WHERE name = ? AND revoked_at IS NULL");
  const revokeByName = db.prepare("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
  const selectActiveById = db.prepare("SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL");
  const countActive = db.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE revoked_at IS NULL");
  const countAll = db.prepare("SELECT COUNT(*) AS n FROM api_keys");
  const touchKey = db.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?");
  // Compared against when the id is unknown, so a miss costs what a hit costs.
  const decoySalt = randomBytes(16).toString("hex");
  const decoyHash = hashSecret(decoySalt, "decoy").toString("hex");
  const decoySecret = "A".repeat(43);

  return {
    create({ name, limits = {} }) {
      if (!NAME_PATTERN.test(name)) {
        throw new UsageError(`"${name}" is not a usable key name: use letters, digits, ".", "_" or "-" (at most 64), starting with a letter or digit.`);
      }
      if (selectActiveByName.get(name)) {
        throw new UsageError(`A key named "${name}" already exists. Pick another name, or revoke it first: spark keys revoke ${name}`);
      }
      const id = randomBytes(8).toString("hex");
      const secret = randomBytes(32).toString("base64url");
      const salt = randomBytes(16).toString("hex");
      const createdAt = clock.now().toISOString();
      insert.run(id, name, salt, hashSecret(salt, secret).toString("hex"), JSON.stringify(limits), createdAt);
      return { info: { id, name, limits, createdAt, revokedAt: null, lastUsedAt: null }, secret: `sk-spark-${id}_${secret}` };
    },
    list: () => (selectAll.all() as KeyRow[]).map(toInfo),
    revoke: (name) => revokeByName.run(clock.now().toISOString(), name).changes > 0,
    verify(presented) {
      // The same work for every presented key: one lookup, one hash, one constant-time comparison. Only a
      // key that is right is read further (its name and limits).
      const match = KEY_PATTERN.exec(presented);
      const id = match?.[1] ?? "";
      const secret = match?.[2] ?? decoySecret;
      const row = selectForVerify.get({ id, decoySalt, decoyHash }) as { found: number; salt: string; hash: string; revoked_at: string | null };
      const equal = timingSafeEqual(Buffer.from(row.hash, "hex"), hashSecret(row.salt, secret));
      if (!(equal && row.found === 1 && row.revoked_at === null)) return undefined;
      const full = selectById.get(id) as KeyRow | undefined;
      return full ? toInfo(full) : undefined;
    },
    isActive: (id) => selectActiveById.get(id) !== undefined,
    activeCount: () => (countActive.get() as { n: number }).n,
    totalCount: () => (countAll.get() as { n: number }).n,
    touch: (id) => void touchKey.run(clock.now().toISOString(), id),
  };
}
