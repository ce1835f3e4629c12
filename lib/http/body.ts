// Reading a request body: the raw bytes once, bounded in size (413), then — for JSON bodies — parsed
// and bounded in depth (400). Handlers that verify a body read the bytes; the rest read JSON.
import { payloadTooLarge, RelayError } from "../shared/errors.js";

/**
 * Reads the raw body once, refusing it with 413 as soon as it exceeds `limitBytes` (by its declared
 * length or while streaming), whatever the content type says.
 */
export async function readBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limitBytes) throw payloadTooLarge(limitBytes);
  // With a declared length the HTTP parser already bounds the body: read it in one go (before
  // touching request.body, which makes some adapters build a stream they would otherwise skip).
  if (declared !== null) {
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.byteLength > limitBytes) throw payloadTooLarge(limitBytes);
    return body;
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limitBytes) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(limitBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

const utf8 = new TextDecoder("utf-8");

/**
 * Deepest JSON nesting accepted. JSON.parse copes with any depth, but JSON.stringify (storing,
 * forwarding, listing) overflows the stack near 5,000 levels: refuse such bodies up front rather
 * than record something that cannot be read back.
 */
export const MAX_JSON_DEPTH = 1000;

/** True when the JSON text nests arrays/objects deeper than `limit` (strings are skipped). */
export function nestsDeeperThan(text: string, limit: number): boolean {
  // A text shorter than twice the limit cannot open and close `limit + 1` levels.
  if (text.length <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}

/** Reads and parses a JSON body; invalid JSON is a 400 that does not echo the body. */
export async function readJson(request: Request, limitBytes: number): Promise<unknown> {
  return (await readJsonText(request, limitBytes)).value;
}

/** Like readJson, and the text it parsed (to digest what was received, byte for byte). */
export async function readJsonText(request: Request, limitBytes: number): Promise<{ value: unknown; text: string }> {
  const text = utf8.decode(await readBody(request, limitBytes));
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw new RelayError(400, "invalid_json", "The request body is not valid JSON.");
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new RelayError(400, "invalid_json", `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return { value, text };
}
