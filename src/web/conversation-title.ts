/** The longest title a conversation gets from its first message, in characters (code points). */
const TITLE_LENGTH = 80;

/**
 * A conversation's title from its first message: its first line with text, trimmed, cut to TITLE_LENGTH
 * characters. Cut by code point: a UTF-16 slice could end between the halves of an emoji and save a lone
 * surrogate; the first line alone could be empty ("\nfix this") or end in the "\r" of a CRLF.
 */
export function conversationTitle(message: string): string {
  const line = message.split(/\r\n|\n|\r/).find((text) => text.trim() !== "")?.trim() ?? "";
  const title = Array.from(line).slice(0, TITLE_LENGTH).join("");
  return title === "" ? "Conversation" : title;
}
