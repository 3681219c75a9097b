import { SparkError, type SparkErrorOptions } from "../../core/index.js";

/** The review could not be done: the reviewer's answer never matched the verdict schema, or git refused. */
export class ReviewError extends SparkError {
  constructor(message: string, options: SparkErrorOptions = {}) {
    super("review_failed", message, { status: 502, ...options });
  }
}
