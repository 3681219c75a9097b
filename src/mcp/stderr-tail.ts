import type { Stream } from "node:stream";

/**
 * The last lines a server wrote to stderr, kept in bounded memory (a chatty server logs forever), so a
 * failure to start can say what the server itself said ("Cannot find module …"). Never printed otherwise:
 * log lines would break the terminal UI.
 */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = "";
  private ended = false;
  private readonly endWaiters = new Set<() => void>();

  constructor(
    stream: Stream | null,
    private readonly maxLines = 20,
    private readonly maxLineChars = 500,
  ) {
    if (!stream) {
      this.ended = true;
      return;
    }
    stream.on("data", (chunk: Buffer | string) => this.push(chunk.toString()));
    const end = () => {
      this.ended = true;
      for (const waiter of this.endWaiters) waiter();
      this.endWaiters.clear();
    };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  }

  private push(text: string): void {
    const parts = (this.partial + text).split(/\r?\n/);
    this.partial = (parts.pop() ?? "").slice(-this.maxLineChars);
    for (const line of parts) {
      this.lines.push(line.length > this.maxLineChars ? `${line.slice(0, this.maxLineChars)}…` : line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  /** The kept lines, the unfinished last one included, without blank ones at the ends. */
  text(): string[] {
    const all = this.partial ? [...this.lines, this.partial] : [...this.lines];
    const lines = all.slice(-this.maxLines);
    while (lines[0]?.trim() === "") lines.shift();
    while (lines.at(-1)?.trim() === "") lines.pop();
    return lines;
  }

  /** Resolves when the stream has ended (the process exited), or after `ms`: what a dying server says comes late. */
  settled(ms: number): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.endWaiters.add(done);
    });
  }
}
