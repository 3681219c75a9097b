import type { ConversationApi, ConversationSummary } from "./conversation-api.js";

/** What the sidebar's buttons ask of the page. */
export interface SidebarActions {
  open(id: string): void;
  /** After a confirmed delete (the page clears the screen when it showed that conversation). */
  deleted(id: string): void;
}

/** The saved conversations, most recent first; the open one is marked with aria-current. */
export class ConversationSidebar {
  private currentId: string | undefined;

  constructor(
    private readonly list: HTMLUListElement,
    private readonly api: ConversationApi,
    private readonly actions: SidebarActions,
  ) {}

  async refresh(currentId: string | undefined): Promise<void> {
    this.currentId = currentId;
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
    button.addEventListener("click", () => this.actions.open(conversation.id));
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "conversation-delete";
    remove.textContent = "✕";
    remove.setAttribute("aria-label", `Delete the conversation "${conversation.title}"`);
    remove.addEventListener("click", () => void this.remove(conversation));
    item.append(button, remove);
    return item;
  }

  private async remove(conversation: ConversationSummary): Promise<void> {
    if (!window.confirm(`Delete the conversation "${conversation.title}"? This cannot be undone.`)) return;
    await this.api.remove(conversation.id);
    this.actions.deleted(conversation.id);
    await this.refresh(this.currentId === conversation.id ? undefined : this.currentId);
  }
}
