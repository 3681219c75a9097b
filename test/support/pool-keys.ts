import http from "node:http";
import type { AddressInfo } from "node:net";
import { rankByRendezvous } from "../../src/gateway/rendezvous.js";

/**
 * A conversation key (prompt_cache_key) whose first choice by rendezvous hashing, as the gateway ranks a
 * pool's members (`BASE_URL#MODEL`, weight 1), is `url`: tests pick where a conversation goes.
 */
export function keyPreferring(url: string, urls: string[], prefix: string, model: string): string {
  const members = urls.map((u) => ({ id: `${u}#${model}`, weight: 1 }));
  for (let i = 0; i < 100_000; i++) {
    if (rankByRendezvous(`key:${prefix}-${i}`, members)[0]?.id === `${url}#${model}`) return `${prefix}-${i}`;
  }
  throw new Error(`no key prefers ${url}`);
}

/** A loopback port nothing listens on now (a replica that is down, or one to start later on a known port). */
export async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
