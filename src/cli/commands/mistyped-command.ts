import { UsageError } from "../../core/index.js";

/** Edits (insert, delete, substitute, swap two neighbours) between two words: optimal string alignment. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * The command a word is a likely typo of. Short words allow fewer edits, so ordinary first words of a task
 * ("map", "rename": one and two edits from `mcp` and `resume`) stay tasks: one edit per four letters, two at most.
 */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  const allowed = Math.min(2, Math.floor(word.length / 4));
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * A prompt whose first word is a near-miss of a command (`spark exce "rename x"`) was almost surely meant as
 * that command: refuse it rather than spend a model call on it. A quoted task ("exce rename x") is one word
 * with spaces, so quoting is the way to send such a task on purpose.
 */
export function refuseMistypedCommand(words: readonly string[], commands: readonly string[]): void {
  const first = words[0];
  if (first === undefined || !/^[a-z][a-z-]*$/i.test(first)) return;
  const command = closestCommand(first, commands);
  if (command === undefined) return;
  const quoted = words.join(" ").replaceAll('"', '\\"');
  const asTask = words.length > 1 ? ` (To send it to the model as a task, quote it: spark "${quoted}".)` : "";
  throw new UsageError(`unknown command "${first}": did you mean \`spark ${command}\`?${asTask}`);
}
