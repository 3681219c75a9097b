import type { ConversationApi, ConversationSummary } from "./conversation-api.js";

/** The saved conversations, most recent first; the open one is marked with aria-current. */
export class ConversationSidebar {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly api: ConversationApi,
    private readonly onOpen: (id: string) => void,
  ) {}

  async refresh(currentId: string | undefined): Promise<void> {
    const conversations = await this.api.list();
    this.list.replaceChildren(...conversations.map((conversation) => this.item(conversation, currentId)));
  }

  private item(conversation: ConversationSummary, currentId: string | undefined): HTMLLIElement {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation-link";
    button.textContent = conversation.title || "Untitled";
    button.title = `${conversation.model} · ${conversation.messageCount} messages · ${new Date(conversation.updatedAt).toLocaleString()}`;
    button.dataset.id = conversation.id;
    if (conversation.id === currentId) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => this.onOpen(conversation.id));
    item.append(button);
    return item;
  }
}
