/**
 * One raw (not chat) completion, as editors ask for it on `/v1/completions`: the model continues `prompt`,
 * or with a `suffix` fills in the middle between the two.
 */
export interface CompletionRequest {
  /** The text before the cursor (and whatever context the caller puts ahead of it). */
  prompt: string;
  /** The text after the cursor: set, the model fills in the middle. */
  suffix?: string;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Generation ends before any of these strings; the answer does not include it (finish reason `stop`). */
  stop?: string[];
}
