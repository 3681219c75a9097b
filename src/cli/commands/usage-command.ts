import { UsageError } from "../../core/index.js";
import { defaultFamilies, effectiveLimits, FamilyMatcher, formatReset, openRateBuckets, windowNames } from "../../gateway/index.js";
import { createApiKeyStore, createUsageStore, databasePath, openDatabase, type BucketState, type UsageTotals } from "../../store/index.js";
import { exitCodes } from "../common/exit-codes.js";
import type { GlobalOptions } from "../common/global-options.js";
import { loadWithFlags } from "../common/load-with-flags.js";

export interface UsageOptions extends GlobalOptions {
  key?: string;
  json?: boolean;
  redis?: string;
}

interface BucketReport {
  family: string;
  windows: BucketState["windows"];
  lastWeek: { requests: number; aborted: number; inputTokens: number; outputTokens: number };
}

interface KeyReport {
  name: string;
  id: string;
  revoked: boolean;
  buckets: BucketReport[];
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

function weekTotals(totals: UsageTotals[], keyId: string, family: string): BucketReport["lastWeek"] {
  const rows = totals.filter((row) => row.keyId === keyId && row.family === family);
  const sum = (pick: (row: UsageTotals) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return { requests: sum((row) => row.requests), aborted: sum((row) => row.aborted), inputTokens: sum((row) => row.inputTokens), outputTokens: sum((row) => row.outputTokens) };
}

/** Every bucket: for each key (and anonymous use), each family's windows, and the last week's totals. */
async function collect(options: UsageOptions): Promise<KeyReport[]> {
  const loaded = await loadWithFlags(options);
  const { config } = loaded;
  const db = openDatabase(databasePath(loaded.homeDir));
  const buckets = await openRateBuckets(db, options.redis ?? config.gateway?.redis_url);
  try {
    const keys = createApiKeyStore(db).list();
    const totals = createUsageStore(db).totals({ since: new Date(Date.now() - WEEK_MS).toISOString() });
    const used = await buckets.buckets();
    const principals = [
      ...keys.map((key) => ({ id: key.id, name: key.name, revoked: key.revokedAt !== null, limits: key.limits })),
      ...(used.some((bucket) => bucket.key === "anonymous") || totals.some((row) => row.keyId === "anonymous") ? [{ id: "anonymous", name: "anonymous", revoked: false, limits: {} }] : []),
    ];
    const selected = options.key === undefined ? principals : principals.filter((principal) => principal.name === options.key);
    if (options.key !== undefined && selected.length === 0) {
      throw new UsageError(`There is no key named "${options.key}". \`spark keys list\` shows the keys.`);
    }
    const familyNames = new FamilyMatcher(config.families ?? defaultFamilies).names;
    const reports: KeyReport[] = [];
    for (const principal of selected) {
      const families = [...new Set([...familyNames, ...used.filter((bucket) => bucket.key === principal.id).map((bucket) => bucket.family)])];
      const report: KeyReport = { name: principal.name, id: principal.id, revoked: principal.revoked, buckets: [] };
      for (const family of families) {
        const state = await buckets.state(principal.id, family, effectiveLimits(family, principal.limits, config.gateway?.limits));
        report.buckets.push({ family, windows: state.windows, lastWeek: weekTotals(totals, principal.id, family) });
      }
      reports.push(report);
    }
    return reports;
  } finally {
    await buckets.close();
    db.close();
  }
}

function render(reports: KeyReport[]): string {
  if (reports.length === 0) return "No keys and no usage yet. Create a key with: spark keys create --name NAME\n";
  const lines: string[] = [];
  for (const report of reports) {
    lines.push(`${report.name}${report.id !== "anonymous" ? ` (id ${report.id}${report.revoked ? ", revoked" : ""})` : " (requests without a key)"}`);
    for (const bucket of report.buckets) {
      const windows = bucket.windows.length
        ? bucket.windows.map((window) => `${windowNames[window.window]}: ${window.used}/${window.limit} used, ${window.remaining} left, refills in ${formatReset(window.resetMs)}`).join("; ")
        : "unlimited";
      const week = bucket.lastWeek;
      lines.push(`  ${bucket.family.padEnd(10)} ${windows}`);
      lines.push(`  ${"".padEnd(10)} last 7 days: ${week.requests} requests, ${week.inputTokens} input + ${week.outputTokens} output tokens${week.aborted ? ` (${week.aborted} cut short by the client)` : ""}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function showUsage(options: UsageOptions): Promise<number> {
  const reports = await collect(options);
  process.stdout.write(options.json ? `${JSON.stringify({ keys: reports }, null, 2)}\n` : render(reports));
  return exitCodes.ok;
}
