import { describe, expect, it } from "vitest";
import { decideEscalation, defaultEscalationPolicy } from "./escalation-policy.js";
import { matchesGlob } from "./glob-pattern.js";
import type { CheckResult } from "./run-checks.js";

describe("matchesGlob", () => {
  it.each([
    ["**/auth/**", "src/auth/login.ts", true],
    ["**/auth/**", "auth/login.ts", true],
    ["**/auth/**", "src/author.ts", false],
    ["**/*payment*.*", "lib/payments.py", true],
    ["*.pem", "deploy/keys/server.pem", true],
    ["src/*.ts", "src/a/b.ts", false],
    ["src/{db,api}/*.ts", "src/api/x.ts", true],
    ["migrations", "db/migrations/001.sql", true],
    ["file?.js", "file1.js", true],
    ["**/*secret*", "config/Secrets.json", true],
    [".github/workflows/**", ".github/workflows/ci.yml", true],
    ["**/auth/**", "src/AUTH/x.ts", true],
  ])("%s matches %s: %s", (pattern, path, expected) => {
    expect(matchesGlob(path, pattern)).toBe(expected);
  });
});

const check = (status: CheckResult["status"]): CheckResult => ({ command: "npm test", status, exitCode: status === "failed" ? 1 : 0, output: "", durationMs: 1 });

describe("decideEscalation", () => {
  it("escalates security paths, wide changes and failed checks, saying why", () => {
    const policy = { ...defaultEscalationPolicy, maxFiles: 2 };
    expect(decideEscalation(policy, ["src/a.ts"], [check("passed")])).toEqual({ escalate: false, mode: "review", reasons: [] });
    const decision = decideEscalation(policy, ["src/crypto/aes.ts", "b.ts", "c.ts"], [check("failed")]);
    expect(decision.escalate).toBe(true);
    expect(decision.reasons).toEqual(["src/crypto/aes.ts is security-sensitive (matches **/crypto/**)", "the change spans 3 files (more than 2)", "checks failed: npm test"]);
  });

  it("ignores failed checks when on_failed_checks is off", () => {
    expect(decideEscalation({ ...defaultEscalationPolicy, onFailedChecks: false }, ["a.ts"], [check("failed")]).escalate).toBe(false);
  });
});
