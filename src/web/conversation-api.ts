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

/** One page of the list; `next` asks for the page after it (null on the last). */
export interface ConversationPage {
  conversations: ConversationSummary[];
  next: string | null;
}

const BASE = "/v1/spark/conversations";
export const PAGE_SIZE = 50;

export class ConversationApi {
  constructor(private readonly client: GatewayClient) {}

  /** A page of conversations, newest first; with `search`, only those whose title or text contains it. */
  async list(options: { after?: string | null | undefined; search?: string | undefined } = {}): Promise<ConversationPage> {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (options.after) query.set("after", options.after);
    if (options.search) query.set("q", options.search);
    const page = await this.client.json<{ data: ConversationSummary[]; next: string | null }>(`${BASE}?${query.toString()}`);
    return { conversations: page.data, next: page.next };
  }

  async rename(id: string, title: string): Promise<void> {
    await this.client.json(`${BASE}/${encodeURIComponent(id)}`, { method: "PATCH", body: { title } });
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
