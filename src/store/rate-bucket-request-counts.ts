/** What tells whether anything but this store wrote to the database since its last write transaction. */
export interface WriteMarks {
  /** Rows changed by this connection since it opened. */
  changes: number;
  /** Changes when another connection commits. */
  version: number;
}

/**
 * Requests in the minute window of each bucket (by bucket id) as of its minute cut, valid while the
 * database's write marks are the ones this store saw at the end of its last write transaction. So that
 * a busy key's reserve does not count the whole minute's charges every time.
 */
export class RequestCounts {
  private readonly counts = new Map<string, { cut: number; count: number }>();
  private trustedMarks: WriteMarks | undefined;

  constructor(private readonly readMarks: () => WriteMarks) {}

  get(id: string): { cut: number; count: number } | undefined {
    return this.counts.get(id);
  }

  set(id: string, kept: { cut: number; count: number }): void {
    this.counts.set(id, kept);
  }

  delete(id: string): void {
    this.counts.delete(id);
  }

  clear(): void {
    this.counts.clear();
  }

  /** At the start of a write transaction: keeps the counts only if nobody else wrote since. */
  checkMarks(): void {
    const marks = this.readMarks();
    const trusted = this.trustedMarks;
    if (trusted === undefined || marks.changes !== trusted.changes || marks.version !== trusted.version) this.counts.clear();
  }

  /** The marks at the end of a write transaction, read inside it (before another writer can commit). */
  marksNow(): WriteMarks {
    return this.readMarks();
  }

  /** Runs a write transaction; the counts are trusted afterwards only if it committed. */
  write<A extends unknown[], R>(transaction: (...args: A) => { result: R; marks: WriteMarks }, ...args: A): R {
    try {
      const { result, marks } = transaction(...args);
      this.trustedMarks = marks;
      return result;
    } catch (error) {
      this.counts.clear();
      this.trustedMarks = undefined;
      throw error;
    }
  }
}
