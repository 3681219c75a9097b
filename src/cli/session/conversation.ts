import type { Message } from "../../core/index.js";
import type { SessionInfo, SessionStore, StoredMessage } from "../../store/index.js";

/**
 * The conversation of the session and its saved copy: every message is appended to the SessionStore
 * as it joins (an interrupted answer marked so). A fresh conversation is saved from its first user
 * message on, so opening the session and leaving at once leaves nothing behind.
 */
export class Conversation {
  private readonly list: Message[];
  private id: string | undefined;
  /**
   * What the user typed, oldest first: kept apart from the messages, which compaction rewrites (its
   * summary arrives as a user message) and a turn that cannot fit removes.
   */
  private readonly typed: string[];
  /** The latest user message, to forget its turn when it cannot fit the window. */
  private lastUser: Message | undefined;

  private constructor(
    private readonly store: SessionStore,
    private readonly workspace: string,
    messages: Message[],
    id: string | undefined,
  ) {
    this.list = messages;
    this.id = id;
    // The saved session holds the messages as they were sent: none of them is a compaction's summary.
    this.typed = messages.flatMap((message) => (message.role === "user" ? [message.content] : []));
  }

  static fresh(store: SessionStore, workspace: string, systemPrompt: string): Conversation {
    return new Conversation(store, workspace, [{ role: "system", content: systemPrompt }], undefined);
  }

  /** A saved session, to continue where it stopped. */
  static resumed(store: SessionStore, info: SessionInfo): { conversation: Conversation; stored: StoredMessage[] } {
    const stored = store.messages(info.id);
    return { conversation: new Conversation(store, info.workspace, stored.map((entry) => entry.message), info.id), stored };
  }

  get sessionId(): string | undefined {
    return this.id;
  }

  get messages(): readonly Message[] {
    return this.list;
  }

  /** What the user sent before, oldest first (the input box's history). */
  userTexts(): string[] {
    return [...this.typed];
  }

  /** Adds the user's message, saving the session first if this is its first; returns the session id. */
  addUser(text: string, model: string): string {
    if (this.id === undefined) {
      this.id = this.store.create({ workspace: this.workspace, model, title: text.replace(/\s+/g, " ").slice(0, 120) });
      for (const message of this.list) this.store.append(this.id, message);
    }
    this.typed.push(text);
    this.lastUser = { role: "user", content: text };
    this.add(this.lastUser, false);
    return this.id;
  }

  /**
   * Removes the latest user message and what followed it from the in-memory conversation (a turn that
   * failed because the message cannot fit the window: kept, it would fail every later call and summary).
   * The saved session keeps it. Returns whether it was still there to remove.
   */
  forgetLastTurn(): boolean {
    const index = this.lastUser ? this.list.lastIndexOf(this.lastUser) : -1;
    if (index < 0) return false;
    this.list.splice(index);
    this.lastUser = undefined;
    return true;
  }

  /**
   * The conversation after compaction: older turns replaced by their state. The saved session keeps the
   * full history (a resumed session is compacted again when it needs to be).
   */
  replaceWith(messages: readonly Message[]): void {
    this.list.splice(0, this.list.length, ...messages);
  }

  /** A message the agent produced (its answer, possibly interrupted, or a tool's result). */
  add(message: Message, interrupted: boolean): void {
    this.list.push(message);
    if (this.id !== undefined) this.store.append(this.id, message, { interrupted });
  }
}
