/** Text as HTML text or attribute value: every character that could open markup or end a quote, as a character reference. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
