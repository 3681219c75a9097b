import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { systemClock, type StoreClock } from "./store-clock.js";
import { camelFields } from "./row-fields.js";

/**
 * The web UI's conversations: a title, the model, and the messages in order, owned by the API key that
 * made them ("anonymous" when the gateway has no keys). Every read and write names the owner, so one key
 * never sees another's conversations, and every write stays within the owner's quota (how many
 * conversations, how many characters in all), checked in the same transaction as the write so that
 * concurrent requests cannot pass it together.
 */

export type WebMessageRole = "user" | "assistant";

export interface WebMessage {
  role: WebMessageRole;
  content: string;
  /** An answer cut short by Stop or a redirect, kept as generated. */
  interrupted: boolean;
}

export interface WebConversationInfo {
  id: string;
  title: string;
  model: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; the time of the last message. */
  updatedAt: string;
  messageCount: number;
}

export interface WebConversation extends WebConversationInfo {
  messages: WebMessage[];
}

/** What one owner stores: conversations and the characters of all their messages. */
export interface WebConversationTotals {
  conversations: number;
  characters: number;
}

/** Where a page of the list starts: after the conversation updated at `updatedAt` with id `id`. */
export interface WebConversationCursor {
  updatedAt: string;
  id: string;
}

export interface WebConversationQuery {
  /** At most this many (1 to WEB_CONVERSATION_PAGE_MAX; default 100). */
  limit?: number | undefined;
  /** The page after this cursor (the `next` of the page before). */
  after?: WebConversationCursor | undefined;
  /** Only conversations whose title or any message contains this text (case-insensitive for ASCII). */
  search?: string | undefined;
}

export interface WebConversationPage {
  conversations: WebConversationInfo[];
  /** The cursor of the next page; undefined on the last page. */
  next: WebConversationCursor | undefined;
}

/** The most conversations one page lists, and the longest search text, so every list query is bounded. */
export const WEB_CONVERSATION_PAGE_MAX = 100;
export const WEB_CONVERSATION_SEARCH_MAX = 200;

export interface WebConversationStore {
  /** "too-many" when the owner already has the quota's number of conversations. */
  create(owner: string, title: string, model: string): WebConversationInfo | "too-many";
  /** One page of the owner's conversations, most recently updated first, optionally only those matching a search. */
  list(owner: string, query?: WebConversationQuery): WebConversationPage;
  /** Gives a conversation a new title; false when there is no such conversation of this owner. */
  rename(owner: string, id: string, title: string): boolean;
  /** Undefined when there is no such conversation of this owner. */
  get(owner: string, id: string): WebConversation | undefined;
  /**
   * Appends a message: "not-found" without such a conversation of this owner, "full" past one
   * conversation's limits, "over-quota" past the owner's characters in all.
   */
  append(owner: string, id: string, message: WebMessage): "appended" | "not-found" | "full" | "over-quota";
  /** False when there is no such conversation of this owner. */
  remove(owner: string, id: string): boolean;
  totals(owner: string): WebConversationTotals;
}

interface ConversationRow {
  id: string;
  title: string;
  model: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

const COLUMNS =
  "id, title, model, created_at, updated_at, (SELECT COUNT(*) FROM web_conversation_messages m WHERE m.conversation_id = web_conversations.id) AS message_count";

function toInfo(row: ConversationRow): WebConversationInfo {
  return camelFields(row, ["id", "title", "model", "created_at", "updated_at", "message_count"]);
}

/** What one conversation may hold, so that it can always be loaded (and a key cannot fill the disk through one). */
export const WEB_CONVERSATION_LIMITS = { messages: 2_000, characters: 8 * 1024 * 1024 };

/** What one owner may store in all (config `[gateway]` conversations_max, conversation_storage_max_chars). */
export const DEFAULT_WEB_CONVERSATION_QUOTA: WebConversationTotals = { conversations: 1_000, characters: 64 * 1024 * 1024 };

export function createWebConversationStore(db: Database, quota: WebConversationTotals = DEFAULT_WEB_CONVERSATION_QUOTA, clock: StoreClock = systemClock): WebConversationStore {
  const insert = db.prepare("INSERT INTO web_conversations (id, owner, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
  const selectTotals = db.prepare("SELECT COUNT(*) AS conversations, COALESCE(SUM(characters), 0) AS characters FROM web_conversations WHERE owner = ?");
  const selectOne = db.prepare(`SELECT ${COLUMNS} FROM web_conversations WHERE owner = ? AND id = ?`);
  // Keyset paging on (updated_at, id); the search is a substring test (instr), so no character in it is a
  // wildcard, and every value is a bound parameter.
  const selectMany = db.prepare(
    `SELECT ${COLUMNS} FROM web_conversations WHERE owner = @owner
       AND (@afterAt IS NULL OR updated_at < @afterAt OR (updated_at = @afterAt AND id < @afterId))
       AND (@search IS NULL OR instr(lower(title), lower(@search)) > 0
            OR EXISTS (SELECT 1 FROM web_conversation_messages m WHERE m.conversation_id = web_conversations.id AND instr(lower(m.content), lower(@search)) > 0))
     ORDER BY updated_at DESC, id DESC LIMIT @limit`,
  );
  const updateTitle = db.prepare("UPDATE web_conversations SET title = ? WHERE owner = ? AND id = ?");
  const selectSize = db.prepare("SELECT characters FROM web_conversations WHERE owner = ? AND id = ?");
  const grow = db.prepare("UPDATE web_conversations SET updated_at = ?, characters = characters + ? WHERE id = ?");
  const nextSeq = db.prepare("SELECT COALESCE(MAX(seq) + 1, 0) AS seq, COUNT(*) AS count FROM web_conversation_messages WHERE conversation_id = ?");
  const insertMessage = db.prepare("INSERT INTO web_conversation_messages (conversation_id, seq, role, content, interrupted, created_at) VALUES (?, ?, ?, ?, ?, ?)");
  const selectMessages = db.prepare("SELECT role, content, interrupted FROM web_conversation_messages WHERE conversation_id = ? ORDER BY seq");
  const deleteOne = db.prepare("DELETE FROM web_conversations WHERE owner = ? AND id = ?");

  const totals = (owner: string) => selectTotals.get(owner) as WebConversationTotals;

  const create = db.transaction((owner: string, title: string, model: string): WebConversationInfo | "too-many" => {
    if (totals(owner).conversations >= quota.conversations) return "too-many";
    const id = randomUUID();
    const now = clock.now().toISOString();
    insert.run(id, owner, title, model, now, now);
    return { id, title, model, createdAt: now, updatedAt: now, messageCount: 0 };
  });

  const append = db.transaction((owner: string, id: string, message: WebMessage): "appended" | "not-found" | "full" | "over-quota" => {
    const size = selectSize.get(owner, id) as { characters: number } | undefined;
    if (!size) return "not-found";
    const { seq, count } = nextSeq.get(id) as { seq: number; count: number };
    const added = message.content.length;
    if (count >= WEB_CONVERSATION_LIMITS.messages || size.characters + added > WEB_CONVERSATION_LIMITS.characters) return "full";
    if (totals(owner).characters + added > quota.characters) return "over-quota";
    const now = clock.now().toISOString();
    grow.run(now, added, id);
    insertMessage.run(id, seq, message.role, message.content, message.interrupted ? 1 : 0, now);
    return "appended";
  });

  return {
    // IMMEDIATE: the write lock is taken before the quota is read, so no other connection writes in between.
    create: (owner, title, model) => create.immediate(owner, title, model),
    list(owner, query = {}) {
      const limit = Math.max(1, Math.min(WEB_CONVERSATION_PAGE_MAX, Math.floor(query.limit ?? WEB_CONVERSATION_PAGE_MAX)));
      const search = query.search?.slice(0, WEB_CONVERSATION_SEARCH_MAX) || null;
      const rows = selectMany.all({ owner, afterAt: query.after?.updatedAt ?? null, afterId: query.after?.id ?? null, search, limit: limit + 1 }) as ConversationRow[];
      const conversations = rows.slice(0, limit).map(toInfo);
      const last = conversations.at(-1);
      return { conversations, next: rows.length > limit && last ? { updatedAt: last.updatedAt, id: last.id } : undefined };
    },
    rename: (owner, id, title) => updateTitle.run(title, owner, id).changes > 0,
    get(owner, id) {
      const row = selectOne.get(owner, id) as ConversationRow | undefined;
      if (!row) return undefined;
      const messages = (selectMessages.all(id) as { role: WebMessageRole; content: string; interrupted: number }[]).map((message) => ({
        role: message.role,
        content: message.content,
        interrupted: message.interrupted !== 0,
      }));
      return { ...toInfo(row), messages };
    },
    append: (owner, id, message) => append.immediate(owner, id, message),
    remove: (owner, id) => deleteOne.run(owner, id).changes > 0,
    totals,
  };
}
