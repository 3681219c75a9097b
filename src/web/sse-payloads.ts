/**
 * Splits an SSE byte stream into the payloads of its `data:` lines, one batch per network read: a fast
 * model sends hundreds of events per read, and handling them one await at a time would cost more than
 * rendering them. Line ends may be \n, \r\n or \r; a read that ends in "\r" keeps it until the next read
 * shows whether "\n" follows (made "\n" at once, a \r\n cut between two reads was two line ends: a blank
 * line that split one event in two).
 */
export async function* ssePayloadBatches(body: ReadableStream<Uint8Array>): AsyncIterable<string[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let heldCr = "";
  /** The payloads of the events `text` completes. */
  const take = (text: string): string[] => {
    heldCr = text.endsWith("\r") ? "\r" : "";
    buffer += text.slice(0, text.length - heldCr.length).replace(/\r\n?/g, "\n");
    const events = buffer.split("\n\n");
    buffer = events.pop() ?? "";
    return events.flatMap((event) => {
      const data = event
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
      return data.length > 0 ? [data.join("\n")] : [];
    });
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // At the end, a held "\r" was a line end after all.
      const payloads = done ? take(heldCr && "\n") : take(heldCr + decoder.decode(value, { stream: true }));
      if (payloads.length > 0) yield payloads;
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
