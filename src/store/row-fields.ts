/** `created_at` → `createdAt`, as a type: the store's SQLite columns are snake_case, its records camelCase. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

/** The named columns of a row, under their camelCase names. */
export type CamelFields<Row, Key extends keyof Row & string> = { [K in Key as CamelCase<K>]: Row[K] };

/**
 * Copies the named columns of a row to a record with camelCase keys, in the order named (so JSON output
 * keeps its order). One mapper for every store, instead of a hand-written field list per row type.
 */
export function camelFields<Row extends object, Key extends keyof Row & string>(row: Row, keys: readonly Key[]): CamelFields<Row, Key> {
  const record: Record<string, unknown> = {};
  for (const key of keys) record[key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())] = row[key];
  return record as CamelFields<Row, Key>;
}
