import type { ModelSwitcher } from "../../runtime/index.js";
import type { ApprovalMode } from "../../sandbox/index.js";
import type { SparkStores } from "../../store/index.js";
import type { ViewStore } from "./view-store.js";

/** What the slash commands and the session's side tasks (review) may ask of the running session. */
export interface CommandHost {
  view: ViewStore;
  stores: SparkStores;
  workspace: string;
  models: ModelSwitcher;
  /** A turn is running. */
  busy(): boolean;
  sessionId(): string | undefined;
  approvalMode(): ApprovalMode;
  setApprovalMode(mode: ApprovalMode): Promise<void>;
  newConversation(): void;
  resume(id: string): void;
  modelChanged(): void;
  /** Summarises the older turns now, as happens by itself near the window's end (a busy operation, see runBusy). */
  compact(): Promise<void>;
  /** The review loop on this session's changes (a busy operation): verdicts, and revisions by the current model. */
  review(): Promise<void>;
  /** Runs `work` as the session's busy operation: Esc aborts its signal, messages sent meanwhile are queued. */
  runBusy(activity: string, work: (signal: AbortSignal) => Promise<void>, stoppedNote?: string): Promise<void>;
  exit(): void;
}
