import { createHash } from "node:crypto";

/**
 * Rendezvous (highest-random-weight) hashing: every replica scores the key, the highest score wins. When a
 * replica leaves, only its keys move, and every gateway computes the same order with nothing shared.
 * Weighted as in Schindelhauer and Schomaker's logarithmic method: score = -weight / ln(h), h uniform in (0, 1).
 */
export function rendezvousScore(key: string, id: string, weight: number): number {
  const digest = createHash("sha256").update(key).update("\u0000").update(id).digest();
  // 52 bits of the digest, as a number strictly between 0 and 1.
  const h = (digest.readUIntBE(0, 6) * 16 + (digest[6] as number) / 16 + 0.5) / 2 ** 52;
  return -weight / Math.log(h);
}

/** `members` ordered by their score for `key`, best first (ties broken by id, so every gateway agrees). */
export function rankByRendezvous<T extends { id: string; weight: number }>(key: string, members: readonly T[]): T[] {
  const scored = members.map((member) => ({ member, score: rendezvousScore(key, member.id, member.weight) }));
  scored.sort((a, b) => b.score - a.score || (a.member.id < b.member.id ? -1 : 1));
  return scored.map(({ member }) => member);
}
