/**
 * An upstream's address is the operator's business: messages for clients name the upstream by its model
 * only, and the gateway's log keeps the address. The OpenAI client's errors (re-encoding mode) name the
 * base URL they failed on; this takes it out of them, longest form first.
 */
export function withoutUpstreamAddress(message: string, baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return message.split(baseUrl).join("the upstream");
  }
  const forms = [baseUrl, baseUrl.replace(/\/+$/, ""), url.origin, url.host, url.hostname].filter((form) => form.length > 0);
  return [...new Set(forms)].sort((a, b) => b.length - a.length).reduce((text, form) => text.split(form).join("the upstream"), message);
}
