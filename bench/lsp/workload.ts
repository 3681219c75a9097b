import { DidChangeTextDocumentNotification, InlineCompletionRequest, type InlineCompletionList } from "vscode-languageserver/node";
import { closeSessions, endOf, startServer, type Session } from "../../test/support/lsp-session.js";
import { ensureTestModel } from "../../test/support/tiny-gguf.js";

export const LSP_DEFAULTS = { coldRounds: 3, warmRounds: 10 };

/** Keystrokes typed 50 ms apart right after the file opens (a word), before the user waits. */
const burstKeys = 5;

/** The VS Code extension's defaults (extensions/vscode/src/server-options.ts). */
const clientSettings = { debounceMs: 60, maxCompletionTokens: 96 };

export interface ColdRound {
  /** Spawning `spark lsp` until its initialize answer. */
  initializeMs: number;
  /** A file opened and a suggestion asked for right after `initialized`, until the suggestion came. */
  firstSuggestionMs: number;
  /** The model's load, as spark/status reports it. */
  loadMs: number;
  /** Requests made stale by the next keystroke (one every 50 ms): all are answered, the model loaded or not. */
  staleAnswered: number;
  /** The slowest answer to a stale request, from the keystroke that made it stale (the message loop's worst wait). */
  staleMaxMs: number;
}

export interface LspResult {
  model: string;
  threads: number;
  cold: ColdRound[];
  /** Model loaded: a newly opened file's first suggestion. */
  warmOpenMs: number[];
  /** Model loaded: one keystroke that leaves the suggestion, and the new suggestion. */
  keystrokeMs: number[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function ask(lsp: Session, uri: string, text: string): Promise<InlineCompletionList> {
  return (await lsp.connection.sendRequest(InlineCompletionRequest.type, { textDocument: { uri }, position: endOf(text), context: { triggerKind: 1 } })) as InlineCompletionList;
}

async function typeInto(lsp: Session, uri: string, text: string, typed: string, version: number): Promise<string> {
  const at = endOf(text);
  await lsp.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range: { start: at, end: at }, text: typed }] });
  return text + typed;
}

/** A fresh server; the user opens a file, types a word (a key every 50 ms) and waits for the suggestion. */
async function coldRound(model: string, threads: number): Promise<{ round: ColdRound; lsp: Session }> {
  const spawnedAt = performance.now();
  const lsp = await startServer(["-m", model], { initializationOptions: clientSettings, env: { SPARK_THREADS: String(threads) } });
  const initializeMs = performance.now() - spawnedAt;
  const uri = "file:///bench/cold.ts";
  let text = "export function total(values: number[]): number {\n  return ";
  const openedAt = performance.now();
  lsp.open(uri, text);
  const stale: Promise<number>[] = [];
  let version = 1;
  let answer = ask(lsp, uri, text);
  for (let key = 0; key < burstKeys; key++) {
    await sleep(50);
    // The next keystroke makes the request stale: the server answers it at once, model loaded or not.
    const typedAt = performance.now();
    text = await typeInto(lsp, uri, text, "v", ++version);
    stale.push(answer.then(() => Math.max(0, performance.now() - typedAt)));
    answer = ask(lsp, uri, text);
  }
  const suggestion = await answer;
  const firstSuggestionMs = performance.now() - openedAt;
  const staleMs = await Promise.all(stale);
  const ready = await lsp.waitForStatus("ready");
  if (suggestion.items.length === 0) throw new Error("the last request got no suggestion");
  return { round: { initializeMs, firstSuggestionMs, loadMs: ready.loadMs ?? Number.NaN, staleAnswered: staleMs.length, staleMaxMs: staleMs.length ? Math.max(...staleMs) : 0 }, lsp };
}

/** The model loaded: a new file's first suggestion, then keystrokes that leave the suggestion. */
async function warmRounds(lsp: Session, rounds: number): Promise<{ warmOpenMs: number[]; keystrokeMs: number[] }> {
  const warmOpenMs: number[] = [];
  const keystrokeMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const uri = `file:///bench/warm-${round}.ts`;
    let text = `const limit${round} = `;
    const openedAt = performance.now();
    lsp.open(uri, text);
    const first = await ask(lsp, uri, text);
    warmOpenMs.push(performance.now() - openedAt);
    const offered = String(first.items[0]?.insertText ?? "");
    // A character the suggestion does not start with: the cache cannot answer, the model runs.
    const typed = offered.startsWith("q") ? "z" : "q";
    const typedAt = performance.now();
    text = await typeInto(lsp, uri, text, typed, 2);
    await ask(lsp, uri, text);
    keystrokeMs.push(performance.now() - typedAt);
  }
  return { warmOpenMs, keystrokeMs };
}

/**
 * The editor's first keystrokes on the real `spark lsp` (built CLI, stdio) with the tiny test model and
 * the VS Code extension's settings: cold (a fresh process per round) and warm.
 */
export async function runLspBench(options: { coldRounds: number; warmRounds: number; threads: number }, log: (line: string) => void): Promise<LspResult> {
  const path = await ensureTestModel();
  const model = `local:${path}`;
  const cold: ColdRound[] = [];
  try {
    let last: Session | undefined;
    for (let round = 0; round < options.coldRounds; round++) {
      if (last) await closeSessions();
      const result = await coldRound(model, options.threads);
      cold.push(result.round);
      last = result.lsp;
      log(`cold ${round + 1}: first suggestion ${Math.round(result.round.firstSuggestionMs)} ms (load ${result.round.loadMs} ms, ${result.round.staleAnswered} stale answered, slowest ${Math.round(result.round.staleMaxMs)} ms)`);
    }
    if (!last) throw new Error("no cold round ran");
    const warm = await warmRounds(last, options.warmRounds);
    log(`warm: open ${Math.round(median(warm.warmOpenMs))} ms, keystroke ${Math.round(median(warm.keystrokeMs))} ms (medians)`);
    return { model: "tiny.gguf (test model, random weights)", threads: options.threads, cold, ...warm };
  } finally {
    await closeSessions();
  }
}

export function lspMarkdown(result: LspResult): string {
  const ms = (value: number): string => `${Math.round(value)} ms`;
  const rows = result.cold.map(
    (round, index) => `| cold ${index + 1} | ${ms(round.initializeMs)} | ${ms(round.loadMs)} | ${ms(round.firstSuggestionMs)} | ${round.staleAnswered} | ${ms(round.staleMaxMs)} |`,
  );
  return [
    `Model: ${result.model}, ${result.threads} llama.cpp thread(s); the VS Code extension's settings (debounce ${clientSettings.debounceMs} ms, ${clientSettings.maxCompletionTokens} tokens at most).`,
    "",
    `Cold: a fresh \`spark lsp\`; a file is opened and a suggestion asked for right after \`initialized\`, then ${burstKeys} keystrokes 50 ms apart (each with its request), then the user waits: first suggestion = from opening the file to the last request's suggestion.`,
    "",
    "| Round | Spawn → initialize | Model load | First suggestion | Requests made stale by a keystroke | Slowest answer to a stale request, from its keystroke |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `Warm (model loaded), ${result.warmOpenMs.length} rounds, median / max: newly opened file's first suggestion ${ms(median(result.warmOpenMs))} / ${ms(Math.max(...result.warmOpenMs))}; a keystroke that leaves the suggestion, to the new suggestion ${ms(median(result.keystrokeMs))} / ${ms(Math.max(...result.keystrokeMs))}.`,
    "",
  ].join("\n");
}
