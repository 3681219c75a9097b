import type { GatewayClient } from "./gateway-client.js";

/** Conversations saved by the gateway (/v1/spark/conversations), per API key. */

export interface ConversationSummary {
  id: string;
  title: string;
  model: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
}

export interface SavedMessage {
  role: "user" | "assistant";
  content: string;
  /** An answer cut short by Stop or by a redirect; kept as generated. */
  interrupted: boolean;
}

export interface Conversation extends ConversationSummary {
  messages: SavedMessage[];
}

const BASE = "/v1/spark/conversations";

export class ConversationApi {
  constructor(private readonly client: GatewayClient) {}

  async list(): Promise<ConversationSummary[]> {
    return (await this.client.json<{ data: ConversationSummary[] }>(BASE)).data;
  }

  create(title: string, model: string): Promise<ConversationSummary> {
    return this.client.json<ConversationSummary>(BASE, { method: "POST", body: { title, model } });
  }

  get(id: string): Promise<Conversation> {
    return this.client.json<Conversation>(`${BASE}/${encodeURIComponent(id)}`);
  }

  async append(id: string, message: SavedMessage): Promise<void> {
    await this.client.json(`${BASE}/${encodeURIComponent(id)}/messages`, { method: "POST", body: message });
  }

  async remove(id: string): Promise<void> {
    await this.client.json(`${BASE}/${encodeURIComponent(id)}`, { method: "DELETE" });
  }
}
