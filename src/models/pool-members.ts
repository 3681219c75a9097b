import type { ModelEntry, UpstreamMemberEntry } from "../config/index.js";
import type { ModelTarget, PoolMember } from "./model-target.js";

export const DEFAULT_MAX_CONCURRENT = 16;

export interface PoolMemberContext {
  /** The pool's name: a member without `model` serves it under this name. */
  name: string;
  entry: ModelEntry;
  /** Whether the project's config set `upstreams`: its URLs then never get a key they did not name. */
  setByProject: boolean;
  /** The top-level api_key_env of the user's own layers. */
  defaultKeyEnv: string | undefined;
  /** Resolves a `local:` / `hf:` member's model to the local engine's target. */
  localTarget(model: string): ModelTarget;
}

function memberTarget(member: UpstreamMemberEntry, context: PoolMemberContext): ModelTarget {
  const model = member.model ?? context.entry.model ?? context.name;
  if (member.base_url === undefined) return context.localTarget(model);
  // A URL the project named never gets the user's keys: only a key named beside it (which a project's layer cannot set).
  const apiKeyEnv = member.api_key_env ?? (context.setByProject ? undefined : (context.entry.api_key_env ?? context.defaultKeyEnv));
  return {
    kind: "remote",
    provider: "custom",
    model,
    baseUrl: member.base_url,
    api: member.api ?? context.entry.api ?? "chat",
    ...(apiKeyEnv ? { apiKeyEnv } : {}),
    ...(context.entry.predicted_outputs ? { predictedOutputs: true } : {}),
  };
}

function memberId(target: ModelTarget): string {
  switch (target.kind) {
    case "remote":
      return `${target.baseUrl.replace(/\/+$/, "")}#${target.model}`;
    case "local":
      return `local:${target.path}`;
    case "hf":
      return target.spec;
  }
}

/** The members of `[models.NAME] upstreams`, in config order; the same replica twice is one member. */
export function poolMembers(context: PoolMemberContext): PoolMember[] {
  const members = new Map<string, PoolMember>();
  for (const member of context.entry.upstreams ?? []) {
    const target = memberTarget(member, context);
    const id = memberId(target);
    if (!members.has(id)) members.set(id, { id, target, weight: member.weight ?? 1, maxConcurrent: member.max_concurrent ?? DEFAULT_MAX_CONCURRENT });
  }
  return [...members.values()];
}
