/**
 * Collects a command's output within a byte budget. When the output is too long, the middle is
 * dropped: the head shows what the command started doing, the tail shows how it ended (the error,
 * the test summary), and those are what a model needs. Memory stays bounded by the budget.
 */
export class CappedOutput {
  private readonly headBudget: number;
  private readonly tailBudget: number;
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private totalBytes = 0;

  constructor(limitBytes: number) {
    this.headBudget = Math.ceil(limitBytes / 2);
    this.tailBudget = Math.floor(limitBytes / 2);
  }

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    const headRoom = this.headBudget - this.headBytes;
    if (headRoom > 0) {
      const taken = chunk.subarray(0, headRoom);
      this.head.push(taken);
      this.headBytes += taken.length;
      chunk = chunk.subarray(taken.length);
    }
    if (chunk.length > 0) this.pushTail(chunk);
  }

  /** True once some bytes were dropped. */
  get truncated(): boolean {
    // tailBytes may exceed the tail budget (whole chunks are kept); only the budget is shown.
    return this.totalBytes > this.headBytes + Math.min(this.tailBytes, this.tailBudget);
  }

  toString(): string {
    const head = Buffer.concat(this.head);
    const tailAll = Buffer.concat(this.tail);
    if (!this.truncated) return Buffer.concat([head, tailAll]).toString("utf8");
    const headText = head.subarray(0, completeUtf8Prefix(head));
    const tail = tailAll.subarray(tailAll.length - this.tailBudget);
    const tailText = tail.subarray(leadingContinuationBytes(tail));
    const elided = this.totalBytes - headText.length - tailText.length;
    return `${headText.toString("utf8")}\n[... ${elided} bytes of output elided ...]\n${tailText.toString("utf8")}`;
  }

  // Keeps whole chunks while they may still be needed, dropping from the front once the rest
  // already covers the tail budget.
  private pushTail(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tail.length > 0 && this.tailBytes - (this.tail[0]?.length ?? 0) >= this.tailBudget) {
      this.tailBytes -= this.tail.shift()?.length ?? 0;
    }
  }
}

// The cut points are byte offsets; moving them to character boundaries avoids U+FFFD garbage
// at the seams of the elision note.

/** Length of the longest prefix that does not end in the middle of a UTF-8 sequence. */
function completeUtf8Prefix(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}

/** How many continuation bytes start the buffer (the rest of a character cut at the front). */
function leadingContinuationBytes(bytes: Buffer): number {
  let count = 0;
  while (count < Math.min(3, bytes.length) && ((bytes[count] ?? 0) & 0xc0) === 0x80) count++;
  return count;
}
