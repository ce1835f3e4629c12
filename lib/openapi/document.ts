// The relay's OpenAPI 3.1 document, served at GET /api/openapi.json: every endpoint, its auth, bodies,
// answers and errors, generated from the zod schemas the handlers validate with and the answers are
// built from (lib/trigger, lib/inspector, lib/model, lib/http) — never written by hand, so it cannot
// describe an API the code does not serve. Built once per server URL.
import { SECURITY_SCHEMES, schemaComponents } from "./components.js";
import type { JsonSchema } from "./json-schema.js";
import { PATHS } from "./paths.js";

/** The relay's version (package.json's; test/unit/openapi-document.test.ts keeps them equal). */
export const API_VERSION = "0.1.0";

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: JsonSchema;
  servers: { url: string; description?: string }[];
  tags: { name: string; description: string }[];
  paths: typeof PATHS;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: typeof SECURITY_SCHEMES };
}

export interface DocumentOptions {
  /** The deployment's public base URL; absent: relative to where the document is served. */
  serverUrl?: string | undefined;
}

const TAGS = [
  { name: "runs", description: "Start LangGraph runs and crons; every run's callback comes back to /api/webhook." },
  { name: "crons", description: "The crons this relay created: list, read, change, pause, resume, delete." },
  { name: "webhook", description: "The receiver of LangGraph's run callbacks." },
  { name: "deliveries", description: "The record of every callback, and replay of failed actions." },
  { name: "meta", description: "This document." },
];

const built = new Map<string, OpenApiDocument>();

export function openApiDocument(options: DocumentOptions = {}): OpenApiDocument {
  const key = options.serverUrl ?? "";
  let document = built.get(key);
  if (document === undefined) {
    document = {
      openapi: "3.1.0",
      info: {
        title: "langgraph-relay",
        version: API_VERSION,
        description:
          "Start LangGraph Platform runs with one authenticated call, and turn their callbacks into reliable downstream actions. " +
          'Every error has one shape: {"error": {"code", "message"}}.',
      },
      servers: [options.serverUrl === undefined ? { url: "/", description: "this deployment" } : { url: options.serverUrl }],
      tags: TAGS,
      paths: PATHS,
      components: { schemas: schemaComponents(), securitySchemes: SECURITY_SCHEMES },
    };
    built.set(key, document);
  }
  return document;
}
