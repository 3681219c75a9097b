import { fixedCodeError } from "../../core/index.js";

/** The review could not be done: the reviewer's answer never matched the verdict schema, or git refused. */
export class ReviewError extends fixedCodeError("review_failed", 502) {}
