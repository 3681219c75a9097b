import { checksFailed, type CheckResult } from "./run-checks.js";
import { matchesAnyGlob } from "./glob-pattern.js";

/** What makes a change too risky for the fast model alone, and what happens then. */
export interface EscalationPolicy {
  /** Globs of security-sensitive paths (auth, crypto, payments, migrations…). */
  paths: readonly string[];
  /** A change touching more files than this escalates. */
  maxFiles: number;
  onFailedChecks: boolean;
  /** "review": the review model reviews the change; "handoff": the review model takes the task over. */
  mode: "review" | "handoff";
}

export const defaultEscalationPolicy: EscalationPolicy = {
  paths: ["**/auth/**", "**/*auth*.*", "**/crypto/**", "**/*crypto*.*", "**/payment*/**", "**/*payment*.*", "**/migrations/**", "**/*secret*", "**/*.pem", ".github/workflows/**"],
  maxFiles: 8,
  onFailedChecks: true,
  mode: "review",
};

export interface EscalationDecision {
  escalate: boolean;
  mode: EscalationPolicy["mode"];
  /** Why, in words the report shows: "src/auth/login.ts matches **\/auth/**", "checks failed: npm test". */
  reasons: string[];
}

export function decideEscalation(policy: EscalationPolicy, files: readonly string[], checks: readonly CheckResult[]): EscalationDecision {
  const reasons: string[] = [];
  for (const file of files) {
    const pattern = matchesAnyGlob(file, policy.paths);
    if (pattern) reasons.push(`${file} is security-sensitive (matches ${pattern})`);
  }
  if (files.length > policy.maxFiles) reasons.push(`the change spans ${files.length} files (more than ${policy.maxFiles})`);
  if (policy.onFailedChecks && checksFailed(checks)) {
    reasons.push(`checks failed: ${checks.filter((check) => check.status === "failed").map((check) => check.command).join(", ")}`);
  }
  return { escalate: reasons.length > 0, mode: policy.mode, reasons };
}
