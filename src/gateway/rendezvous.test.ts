import { describe, expect, it } from "vitest";
import { rankByRendezvous } from "./rendezvous.js";

const members = (ids: string[], weight = 1) => ids.map((id) => ({ id, weight }));

describe("rendezvous hashing", () => {
  it("spreads keys evenly over equal replicas and follows the weights", () => {
    const counts = new Map<string, number>();
    const pool = [...members(["a", "b", "c"]), { id: "d", weight: 3 }];
    for (let i = 0; i < 6000; i++) {
      const first = rankByRendezvous(`conversation-${i}`, pool)[0]!.id;
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    for (const id of ["a", "b", "c"]) expect(counts.get(id)).toBeGreaterThan(800);
    for (const id of ["a", "b", "c"]) expect(counts.get(id)).toBeLessThan(1200);
    expect(counts.get("d")).toBeGreaterThan(2700);
    expect(counts.get("d")).toBeLessThan(3300);
  });

  it("moves only the keys of a replica that leaves", () => {
    const before = members(["a", "b", "c", "d"]);
    const after = members(["a", "b", "d"]);
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `k${i}`;
      const was = rankByRendezvous(key, before)[0]!.id;
      const now = rankByRendezvous(key, after)[0]!.id;
      if (was !== "c") expect(now).toBe(was);
      else moved++;
      // The replica a key falls back to is its second choice before.
      if (was === "c") expect(now).toBe(rankByRendezvous(key, before)[1]!.id);
    }
    expect(moved).toBeGreaterThan(300);
  });
});
