import type { ConversationApi, ConversationSummary } from "./conversation-api.js";

/** What the sidebar's buttons ask of the page. */
export interface SidebarActions {
  open(id: string): void;
  /** After a confirmed delete (the page clears the screen when it showed that conversation). */
  deleted(id: string): void;
  /** A failure to list, rename or delete, said on the status line. */
  failed(message: string): void;
}

export interface SidebarElements {
  list: HTMLUListElement;
  search: HTMLInputElement;
  more: HTMLButtonElement;
}

/** The same limit as the gateway's (PATCH /v1/spark/conversations/:id). */
export const MAX_TITLE = 200;
const SEARCH_DELAY_MS = 250;

/**
 * The saved conversations, most recent first, a page at a time: "Show older" (or scrolling to it) loads
 * the next page; the search box asks the gateway for those whose title or text contains the words. The
 * open one is marked with aria-current. Titles are shown as text, never as markup.
 */
export class ConversationSidebar {
  private currentId: string | undefined;
  private next: string | null = null;
  /** Each refresh or search bumps this: an answer for an older one is dropped. */
  private generation = 0;
  private searchTimer: number | undefined;

  constructor(
    private readonly elements: SidebarElements,
    private readonly api: ConversationApi,
    private readonly actions: SidebarActions,
  ) {
    elements.more.addEventListener("click", () => void this.loadMore());
    elements.search.addEventListener("input", () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => void this.refresh(this.currentId), SEARCH_DELAY_MS);
    });
    // Infinite scroll: the button comes into view at the end of the list, the next page loads.
    if (typeof IntersectionObserver === "function") {
      new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting) && !elements.more.hidden) void this.loadMore();
      }).observe(elements.more);
    }
  }

  /** Lists the first page again (after a save, a switch, a search). */
  async refresh(currentId: string | undefined): Promise<void> {
    this.currentId = currentId;
    const generation = ++this.generation;
    const page = await this.api.list({ search: this.search() });
    if (generation !== this.generation) return;
    this.elements.list.replaceChildren(...page.conversations.map((conversation) => this.item(conversation)));
    this.setNext(page.next);
  }

  private async loadMore(): Promise<void> {
    const after = this.next;
    if (!after) return;
    this.setNext(null);
    const generation = this.generation;
    try {
      const page = await this.api.list({ after, search: this.search() });
      if (generation !== this.generation) return;
      this.elements.list.append(...page.conversations.map((conversation) => this.item(conversation)));
      this.setNext(page.next);
    } catch (error) {
      this.setNext(after);
      this.actions.failed(`Could not list older conversations: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private search(): string | undefined {
    return this.elements.search.value.trim() || undefined;
  }

  private setNext(next: string | null): void {
    this.next = next;
    this.elements.more.hidden = next === null;
  }

  private item(conversation: ConversationSummary): HTMLLIElement {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "conversation-link";
    button.textContent = conversation.title || "Untitled";
    button.title = `${conversation.model} · ${conversation.messageCount} messages · ${new Date(conversation.updatedAt).toLocaleString()}`;
    button.dataset.id = conversation.id;
    if (conversation.id === this.currentId) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => this.actions.open(conversation.id));
    const rename = this.smallButton("✎", "conversation-rename", `Rename the conversation "${conversation.title}"`, () => this.rename(conversation));
    const remove = this.smallButton("✕", "conversation-delete", `Delete the conversation "${conversation.title}"`, () => this.remove(conversation));
    item.append(button, rename, remove);
    return item;
  }

  private smallButton(label: string, className: string, describedAs: string, action: () => Promise<void>): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.textContent = label;
    button.setAttribute("aria-label", describedAs);
    button.addEventListener("click", () => void action().catch((error: unknown) => this.actions.failed(error instanceof Error ? error.message : String(error))));
    return button;
  }

  private async rename(conversation: ConversationSummary): Promise<void> {
    const answer = window.prompt(`A new title (at most ${MAX_TITLE} characters):`, conversation.title);
    const title = answer?.trim().slice(0, MAX_TITLE);
    if (!title || title === conversation.title) return;
    await this.api.rename(conversation.id, title);
    await this.refresh(this.currentId);
  }

  private async remove(conversation: ConversationSummary): Promise<void> {
    if (!window.confirm(`Delete the conversation "${conversation.title}"? This cannot be undone.`)) return;
    await this.api.remove(conversation.id);
    this.actions.deleted(conversation.id);
    await this.refresh(this.currentId === conversation.id ? undefined : this.currentId);
  }
}
