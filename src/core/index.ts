export * from "./errors.js";
export type * from "./messages.js";
export type * from "./model-request.js";
export type * from "./completion-request.js";
export type * from "./stream-events.js";
export * from "./usage.js";
export { EventQueue } from "./event-queue.js";
export { isInside } from "./path-inside.js";
export { upstreamStatusError, type UpstreamErrorContext } from "./upstream-status-error.js";
