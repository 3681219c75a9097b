/** Process exit codes shared by every command; documented in the README. */
export const exitCodes = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** `spark apply`: every operation applied (or would be, with --check). */
  patchApplied: 0,
  /** `spark apply`: the patch was refused, nothing was written. */
  patchRefused: 1,
  /** `spark apply`: some operations or hunks applied, others failed (the report says which). */
  patchPartial: 3,
  interrupted: 130,
} as const;
