/**
 * Rewrites zod's JSON schema into the subset both consumers take: OpenAI's strict structured outputs and
 * node-llama-cpp's JSON-schema grammar. `anyOf: [X, {type: "null"}]` becomes `type: [X, "null"]` (the
 * grammar has no anyOf); the `$schema` tag and zod's safe-integer bounds go. With `bounds`, strings and
 * arrays get a maximum size, so a grammar-held generation always ends.
 */
export interface SchemaBounds {
  stringMaxLength: number;
  arrayMaxItems: number;
}

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema => typeof value === "object" && value !== null && !Array.isArray(value);

function nullableAsTypeArray(schema: Schema): Schema {
  const options = schema["anyOf"];
  if (!Array.isArray(options) || options.length !== 2) return schema;
  const nonNull = options.find((option) => isSchema(option) && option["type"] !== "null");
  const hasNull = options.some((option) => isSchema(option) && option["type"] === "null");
  if (!hasNull || !isSchema(nonNull) || typeof nonNull["type"] !== "string") return schema;
  const { anyOf: _anyOf, ...rest } = schema;
  return { ...rest, ...nonNull, type: [nonNull["type"], "null"] };
}

function withoutSafeIntegerBounds(schema: Schema): Schema {
  const copy = { ...schema };
  if (copy["maximum"] === Number.MAX_SAFE_INTEGER) delete copy["maximum"];
  if (copy["minimum"] === Number.MIN_SAFE_INTEGER) delete copy["minimum"];
  return copy;
}

function withBounds(schema: Schema, bounds: SchemaBounds | undefined): Schema {
  if (!bounds) return schema;
  if (schema["type"] === "string" && schema["enum"] === undefined) return { ...schema, maxLength: bounds.stringMaxLength };
  if (schema["type"] === "array") return { ...schema, maxItems: bounds.arrayMaxItems };
  return schema;
}

export function portableJsonSchema(schema: Schema, bounds?: SchemaBounds): Schema {
  const { $schema: _tag, ...rest } = nullableAsTypeArray(withoutSafeIntegerBounds(schema));
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === "properties" && isSchema(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, isSchema(child) ? portableJsonSchema(child, bounds) : child]));
    } else if (key === "items" && isSchema(value)) {
      out[key] = portableJsonSchema(value, bounds);
    } else {
      out[key] = value;
    }
  }
  return withBounds(out, bounds);
}
