import type { CallSettings, ClientDependencies, ModelClient, ModelTarget, ResolvedModel } from "../models/index.js";
import { createModelClient, openAIConnection } from "../models/index.js";
import { ChatCompletionSource } from "./chat-completion-source.js";
import type { CompletionSource } from "./completion-source.js";
import type { ModelInfo, ModelRole } from "./lsp-protocol.js";
import { RemoteFimSource } from "./remote-fim-source.js";

/** One model as the language server uses it: a client for edits and a source of inline suggestions. */
export interface LspModel {
  name: string;
  /** Per-call defaults from config and flags (temperature, max tokens), used for edits. */
  settings: CallSettings;
  client: ModelClient;
  completions: CompletionSource;
  /** Loads what the first request would otherwise wait for (a local model's weights). */
  warm(): Promise<void>;
  dispose(): Promise<void>;
}

export type OpenLspModel = (role: ModelRole, name: string) => Promise<LspModel>;

function localPath(resolved: ResolvedModel): string | undefined {
  if (resolved.target.kind === "local") return resolved.target.path;
  if (resolved.target.kind === "hf") return resolved.target.cachePath;
  return undefined;
}

/**
 * Fill-in-the-middle through the server's `/v1/completions` with `suffix`, with the same key, retries and
 * timeout as the chat client (createModelClient has already refused a missing key where one is needed).
 */
function remoteFim(target: Extract<ModelTarget, { kind: "remote" }>, deps: ClientDependencies, client: ModelClient, chat: CompletionSource): RemoteFimSource {
  const { openai, context } = openAIConnection(target, deps);
  return new RemoteFimSource({ openai, context, displayName: client.displayName, fallback: chat });
}

/**
 * Builds the model for a resolved name: local GGUF models complete through native fill-in-the-middle
 * when they have FIM tokens (else a chat prompt); remote models through the server's `/v1/completions`
 * with `suffix`, or a chat prompt once the server shows it has none (404 or 400).
 */
export async function openLspModel(resolved: ResolvedModel, deps: ClientDependencies, disposeDeps: () => Promise<void>): Promise<LspModel> {
  const client = await createModelClient(resolved, deps);
  const chat = new ChatCompletionSource(client);
  const path = localPath(resolved);
  const dispose = async (): Promise<void> => {
    await client.close();
    await disposeDeps();
  };
  if (path === undefined) {
    const completions = resolved.target.kind === "remote" ? remoteFim(resolved.target, deps, client, chat) : chat;
    return { name: resolved.name, settings: resolved.settings, client, completions, warm: () => Promise.resolve(), dispose };
  }
  const engine = await deps.localEngine();
  const { contextSize, draftModel } = resolved.settings;
  // The same options as the chat client's, so both share one loaded model and its context sequences.
  const load = { ...(contextSize !== undefined ? { contextSize } : {}), ...(draftModel ? { draftModelPath: draftModel } : {}) };
  const { LocalFimSource } = await import("./local-fim-source.js");
  const completions = new LocalFimSource({
    engine,
    path,
    load,
    displayName: client.displayName,
    fallback: chat,
    ...(deps.speculation === false ? { speculation: false } : {}),
  });
  return { name: resolved.name, settings: resolved.settings, client, completions, warm: async () => void (await engine.load(path, load)), dispose };
}

/** The fast model and, when configured, the review model; each opened on first use, kept open after. */
export class ModelSet {
  private role: ModelRole = "fast";
  private readonly opened = new Map<ModelRole, Promise<LspModel>>();

  constructor(
    private readonly open: OpenLspModel,
    private readonly names: { fast: string; review?: string | undefined },
  ) {}

  get activeRole(): ModelRole {
    return this.role;
  }

  nameOf(role: ModelRole): string | undefined {
    return role === "fast" ? this.names.fast : this.names.review;
  }

  get(role: ModelRole = this.role): Promise<LspModel> {
    const name = this.nameOf(role);
    if (name === undefined) return Promise.reject(new Error(`no ${role} model is configured; start spark lsp with --review-model NAME`));
    let model = this.opened.get(role);
    if (!model) {
      model = this.open(role, name);
      this.opened.set(role, model);
      model.catch(() => this.opened.delete(role));
    }
    return model;
  }

  /** Switches to `role`, or to the other role when none is given; stays put when that role has no model. */
  use(role?: ModelRole): ModelInfo {
    const next = role ?? (this.role === "fast" ? "review" : "fast");
    if (this.nameOf(next) !== undefined) this.role = next;
    return this.info();
  }

  info(): ModelInfo {
    const other: ModelRole = this.role === "fast" ? "review" : "fast";
    const alternative = this.nameOf(other);
    return { role: this.role, model: this.nameOf(this.role) ?? "", ...(alternative !== undefined ? { alternative } : {}) };
  }

  async dispose(): Promise<void> {
    const models = await Promise.allSettled(this.opened.values());
    this.opened.clear();
    for (const model of models) if (model.status === "fulfilled") await model.value.dispose();
  }
}
