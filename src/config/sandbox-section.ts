import { z } from "zod";
import { lazySchema } from "./lazy-schema.js";

const positiveInt = (): z.ZodNumber => z.number().int().positive();

/** Per-command resource limits of the sandbox; each has a default (see src/sandbox), 0 is not allowed. */
const sandboxLimits = lazySchema(() =>
  z
    .object({
      /** Processes and threads the command may have at once. */
      processes: positiveInt().optional(),
      /** Open file descriptors per process. */
      open_files: positiveInt().optional(),
      /** Address space per process, in MiB. */
      memory_mb: positiveInt().optional(),
      /** Size of the private /tmp (and the other private tmpfs mounts), in MiB. */
      tmp_mb: positiveInt().optional(),
      /** Largest file a command may write, in MiB. */
      file_mb: positiveInt().optional(),
      /** CPU seconds per process. */
      cpu_seconds: positiveInt().optional(),
    })
    .strict(),
);

/**
 * `[sandbox]`: what the agent's shell commands and edits may touch. Only `protected` may come from a
 * project's config (it can only narrow); everything that widens the sandbox comes from the user's own.
 */
export const sandboxSection = lazySchema(() =>
  z
    .object({
      /** Workspace-relative globs nothing Spark runs or edits may change, added to the built-in list. */
      protected: z.array(z.string().min(1).max(1024)).max(256).optional(),
      /** Paths under the user's home a sandboxed command may read (read-only), e.g. ".gitconfig". */
      home_read: z.array(z.string().min(1).max(1024)).max(256).optional(),
      /** Host names (`*.example.com` allowed) a command may reach when network is on; absent: any host. */
      allow_hosts: z.array(z.string().min(1).max(253)).max(256).optional(),
      /** UNIX socket paths a sandboxed command may connect to; none by default. */
      unix_sockets: z.array(z.string().min(1).max(1024)).max(64).optional(),
      limits: sandboxLimits().optional(),
    })
    .strict(),
);

export type SandboxSection = z.infer<ReturnType<typeof sandboxSection>>;
export type SandboxLimitsEntry = z.infer<ReturnType<typeof sandboxLimits>>;
