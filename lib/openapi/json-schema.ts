// zod → the JSON Schema of an OpenAPI 3.1 document (JSON Schema 2020-12), with zod's own converter:
// named schemas become components that refer to each other, a query schema becomes one parameter per
// field. Requests are described as they may be sent (`io: "input"`: defaults optional, before any
// transform), answers as they are given (`io: "output"`).
import * as z from "zod";

export type JsonSchema = Record<string, unknown>;

const COMPONENTS = "#/components/schemas/";

export const componentRef = (name: string): JsonSchema => ({ $ref: `${COMPONENTS}${name}` });

/** Drops the keys that belong to a standalone JSON Schema document, not to an embedded one. */
function embedded(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

/**
 * The JSON Schemas of named zod schemas, as components: a schema used inside another named one is a
 * `$ref` to it. `io` says whether they describe requests (input) or answers (output).
 */
export function componentSchemas(named: Readonly<Record<string, z.core.$ZodType>>, io: "input" | "output"): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: "any", uri: (id) => `${COMPONENTS}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, embedded(schema as JsonSchema)]));
}

export interface QueryParameter {
  name: string;
  in: "query";
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** One query parameter per field of an object schema (every value of a query string is text). */
export function queryParameters(schema: z.ZodObject, notes: Readonly<Record<string, string>> = {}): QueryParameter[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = embedded(z.toJSONSchema(field as z.ZodType, { io: "input", unrepresentable: "any" }) as JsonSchema);
    const { description, ...rest } = json;
    const parameter: QueryParameter = { name, in: "query", required: !(field as z.ZodType).safeParse(undefined).success, schema: rest };
    const text = [typeof description === "string" ? description : undefined, notes[name]].filter((part) => part !== undefined).join(" ");
    if (text !== "") parameter.description = text;
    return parameter;
  });
}

/** The parameters of several query forms of one operation (a list and a detail, say), each named once. */
export function mergedParameters(...forms: QueryParameter[][]): QueryParameter[] {
  const byName = new Map<string, QueryParameter>();
  for (const form of forms) {
    for (const parameter of form) {
      // A parameter required by one form only is optional for the operation.
      const seen = byName.get(parameter.name);
      byName.set(parameter.name, seen === undefined ? { ...parameter, required: parameter.required && forms.length === 1 } : seen);
    }
  }
  return [...byName.values()];
}
