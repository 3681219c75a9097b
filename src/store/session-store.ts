import { randomUUID } from "node:crypto";
import type { Database } from "better-sqlite3";
import { SparkError, type Message } from "../core/index.js";
import { systemClock, type StoreClock } from "./store-clock.js";
import { camelFields } from "./row-fields.js";

/** Agent sessions: one row per conversation, its messages in order (stored as JSON). */

export interface NewSession {
  /** Absolute path of the workspace the session works in. */
  workspace: string;
  model: string;
  title: string;
}

export interface SessionInfo extends NewSession {
  id: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601; the time of the last appended message. */
  updatedAt: string;
  messageCount: number;
}

export interface MessageMeta {
  /** The message was cut short by an interrupt (a partial assistant answer, kept as generated). */
  interrupted?: boolean;
}

export interface StoredMessage {
  /** 0-based position in the session. */
  seq: number;
  message: Message;
  interrupted: boolean;
  /** ISO 8601. */
  createdAt: string;
}

export interface SessionStore {
  /** Starts a session; returns its id (a UUID). */
  create(session: NewSession): string;
  /** Appends one message at the end of the session; returns its seq. Throws for an unknown session. */
  append(sessionId: string, message: Message, meta?: MessageMeta): number;
  /** The session's messages in order; empty for an unknown session. */
  messages(sessionId: string): StoredMessage[];
  /** The workspace's sessions, most recently updated first. */
  list(workspace: string, limit?: number): SessionInfo[];
  get(id: string): SessionInfo | undefined;
}

interface SessionRow {
  id: string;
  workspace: string;
  model: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

const SESSION_COLUMNS =
  "id, workspace, model, title, created_at, updated_at, (SELECT COUNT(*) FROM session_messages m WHERE m.session_id = sessions.id) AS message_count";

export function createSessionStore(db: Database, clock: StoreClock = systemClock): SessionStore {
  const insertSession = db.prepare("INSERT INTO sessions (id, workspace, model, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
  const selectSession = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id = ?`);
  const selectSessions = db.prepare(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE workspace = ? ORDER BY updated_at DESC, rowid DESC LIMIT ?`);
  const nextSeq = db.prepare("SELECT COALESCE(MAX(seq) + 1, 0) AS seq FROM session_messages WHERE session_id = ?");
  const insertMessage = db.prepare("INSERT INTO session_messages (session_id, seq, created_at, message, interrupted) VALUES (?, ?, ?, ?, ?)");
  const touchSession = db.prepare("UPDATE sessions SET updated_at = ? WHERE id = ?");
  const selectMessages = db.prepare("SELECT seq, created_at, message, interrupted FROM session_messages WHERE session_id = ? ORDER BY seq");

  const append = db.transaction((sessionId: string, message: Message, meta: MessageMeta): number => {
    const now = clock.now().toISOString();
    if (touchSession.run(now, sessionId).changes === 0) {
      throw new SparkError("internal", `There is no session ${sessionId} to add a message to.`);
    }
    const { seq } = nextSeq.get(sessionId) as { seq: number };
    insertMessage.run(sessionId, seq, now, JSON.stringify(message), meta.interrupted ? 1 : 0);
    return seq;
  });

  return {
    create({ workspace, model, title }) {
      const id = randomUUID();
      const now = clock.now().toISOString();
      insertSession.run(id, workspace, model, title, now, now);
      return id;
    },
    append: (sessionId, message, meta = {}) => append.immediate(sessionId, message, meta),
    messages(sessionId) {
      const rows = selectMessages.all(sessionId) as { seq: number; created_at: string; message: string; interrupted: number }[];
      return rows.map((row) => ({
        seq: row.seq,
        message: JSON.parse(row.message) as Message,
        interrupted: row.interrupted !== 0,
        createdAt: row.created_at,
      }));
    },
    list(workspace, limit = 50) {
      return (selectSessions.all(workspace, limit) as SessionRow[]).map(toInfo);
    },
    get(id) {
      const row = selectSession.get(id) as SessionRow | undefined;
      return row === undefined ? undefined : toInfo(row);
    },
  };
}

function toInfo(row: SessionRow): SessionInfo {
  return camelFields(row, ["id", "workspace", "model", "title", "created_at", "updated_at", "message_count"]);
}
