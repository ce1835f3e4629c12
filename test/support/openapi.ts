// The relay's answers held to its published OpenAPI document: `expectDocumented(response, path, method)`
// asserts that the status is one the document lists for that operation and that a JSON body validates
// against the schema documented for it (JSON Schema 2020-12, as OpenAPI 3.1 uses, with Ajv).
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { expect } from "vitest";
import { openApiDocument } from "../../lib/openapi/document.js";

type Json = Record<string, unknown>;
const document = openApiDocument() as unknown as { paths: Record<string, Record<string, { responses: Record<string, Json> }>>; components: Json };

// ajv-formats is CommonJS with a default export that ESM sees as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const BASE = "urn:langgraph-relay:openapi";
// Refs in the components are `#/components/schemas/…`: they resolve inside this resource.
ajv.addSchema({ $id: BASE, components: document.components });

const validators = new Map<string, ValidateFunction>();

function validatorFor(path: string, method: string, status: string): ValidateFunction {
  const key = `${method} ${path} ${status}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    const pointer = `/paths/${path.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}/content/application~1json/schema`;
    const schema = pointerGet(document, pointer);
    if (schema === undefined) throw new Error(`${key}: the document has no JSON schema for this answer`);
    // The schema is a $ref (or a oneOf of $refs) into the components: resolved against BASE.
    validate = ajv.compile({ $id: `${BASE}:${validators.size}`, ...rebase(schema as Json) });
    validators.set(key, validate);
  }
  return validate;
}

function pointerGet(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Json)[part];
  }
  return node;
}

/** `#/components/…` refs pointed at the components resource. */
function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${BASE}#/components/`)) as Json;
}

/** The operations the document lists for a path, e.g. ["get", "patch"]. */
export function documentedMethods(path: string): string[] {
  return Object.keys(document.paths[path] ?? {});
}

/**
 * Asserts that the answer is documented: its status listed for the operation, and a JSON body valid
 * against that status's schema. Returns the parsed body (the response itself is left unread).
 */
export async function expectDocumented(response: Response, path: string, method: string): Promise<unknown> {
  const operation = document.paths[path]?.[method.toLowerCase()];
  expect(operation, `${method} ${path} is not in the document`).toBeDefined();
  const status = String(response.status);
  expect(Object.keys(operation?.responses ?? {}), `${method} ${path} answered ${status}, which the document does not list`).toContain(status);
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/event-stream")) {
    expect(Object.keys((operation?.responses[status]?.["content"] ?? {}) as Json)).toContain("text/event-stream");
    return undefined;
  }
  expect(type).toMatch(/^application\/json/);
  const body: unknown = await response.clone().json();
  const validate = validatorFor(path, method.toLowerCase(), status);
  expect(validate(body) ? [] : validate.errors, `${method} ${path} ${status}: the body does not match the documented schema`).toEqual([]);
  return body;
}
