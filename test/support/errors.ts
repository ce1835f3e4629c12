// The pinned error shape, asserted one way everywhere: `{"error": {"code", "message"}}` as JSON.
import { expect } from "vitest";

/** Asserts the status and the pinned error shape; returns the message for further checks. */
export async function expectError(response: Response, status: number, code: string, message?: RegExp): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(Object.keys(body.error).sort()).toEqual(["code", "message"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  if (message !== undefined) expect(body.error.message).toMatch(message);
  return body.error.message;
}
