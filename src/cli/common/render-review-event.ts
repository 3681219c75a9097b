import { formatVerdict, type ReviewEvent } from "../../agent/review/index.js";
import { renderAgentEvent } from "./render-agent-event.js";

const stageWords = { draft: "drafting", revision: "revising", handoff: "handed off to", checks: "running checks after", review: "reviewing with" } as const;

/** Human rendering of the drafter–reviewer pipeline: the drafter's answer on stdout, everything else on stderr. */
export function renderReviewEvent(event: ReviewEvent, out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  switch (event.type) {
    case "stage":
      out.stderr.write(`\n── round ${event.round}: ${stageWords[event.stage]} ${event.model}\n`);
      break;
    case "agent":
      renderAgentEvent(event.event, out);
      break;
    case "checks":
      for (const check of event.results) out.stderr.write(`  check ${check.command}: ${check.status}\n`);
      break;
    case "escalation":
      out.stderr.write(`Escalating (${event.decision.mode}) after round ${event.round}: ${event.decision.reasons.join("; ")}\n`);
      break;
    case "verdict":
      out.stderr.write(`${formatVerdict(event.verdict).join("\n")}\n`);
      break;
    default:
      break;
  }
}
