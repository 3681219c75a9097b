/**
 * A server on this machine (vLLM, llama.cpp, Ollama) usually runs without a key, so its key variable is
 * optional there: a call goes out without one, and listings must not call it missing.
 */
export function keyIsOptional(baseUrl: string): boolean {
  return /^https?:\/\/(127\.|localhost|\[::1\])/.test(baseUrl);
}
