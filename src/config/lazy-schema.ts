/**
 * A zod schema built on first use, then kept. Building the config's ~200 schemas cost more than the rest of
 * `spark apply --check`'s own work at start-up (issue 23), and a command with no config to validate needs
 * none of them.
 */
export function lazySchema<Schema>(build: () => Schema): () => Schema {
  let schema: Schema | undefined;
  return () => (schema ??= build());
}
