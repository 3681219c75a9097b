import type { ApprovalRequest } from "../../agent/index.js";
import { patchDiffLines } from "./edit-diff.js";
import type { ApprovalChoice, SessionState, ViewStore } from "./view-store.js";

/** What asking for approval needs of the session: its screen, its state and the terminal's height. */
export interface ApprovalHost {
  view: ViewStore;
  state(): SessionState;
  setState(state: SessionState): void;
  rows(): number;
}

/**
 * Asks the user in the session's approval box to allow an edit, a command or another action: "always"
 * allows that kind for the rest of the session; a turn aborted meanwhile answers "no".
 */
export class ApprovalAsker {
  private readonly alwaysAllowed = new Set<ApprovalRequest["kind"]>();

  constructor(private readonly host: ApprovalHost) {}

  ask(request: ApprovalRequest, signal: AbortSignal): Promise<boolean> {
    if (this.alwaysAllowed.has(request.kind)) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    const { view } = this.host;
    const previous = this.host.state();
    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (choice: ApprovalChoice) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener("abort", onAbort);
        if (choice === "always") this.alwaysAllowed.add(request.kind);
        view.set({ approval: undefined }, true);
        if (!signal.aborted) this.host.setState(previous);
        resolve(choice !== "no");
      };
      const onAbort = () => settle("no");
      signal.addEventListener("abort", onAbort, { once: true });
      this.host.setState("approval");
      view.set({ approval: { kind: request.kind, lines: this.lines(request), answer: settle } }, true);
    });
  }

  private lines(request: ApprovalRequest): string[] {
    if (request.kind === "edit") return patchDiffLines(request.detail, Math.max(4, this.host.rows() - 12)) ?? [request.detail];
    return request.kind === "command" ? [`$ ${request.detail}`] : [request.detail];
  }
}
