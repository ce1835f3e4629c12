// lib/shared/scrub.ts: the one rule for removing secrets from text that leaves the process.
import { expect, it } from "vitest";
import { MAX_MESSAGE_LENGTH, scrub } from "../../lib/shared/scrub.js";

it("removes each listed secret wherever it appears", () => {
  expect(scrub("key sk-live-1234 failed; again sk-live-1234", ["sk-live-1234"])).toBe("key [redacted] failed; again [redacted]");
});

it("ignores secrets too short to be one (they would shred the message)", () => {
  expect(scrub("a b c", ["a", undefined])).toBe("a b c");
});

it("drops the query of every URL, keeping origin and path", () => {
  expect(scrub("POST https://relay.example/api/webhook?token=v1.abc.def&x-vercel-protection-bypass=s3 failed")).toBe(
    "POST https://relay.example/api/webhook?[redacted] failed",
  );
});

it("drops a bare token= pair outside a URL", () => {
  expect(scrub("bad query token=v1.abc.def")).toBe("bad query token=[redacted]");
});

it("bounds the length", () => {
  const out = scrub("x".repeat(MAX_MESSAGE_LENGTH * 3));
  expect(out.length).toBe(MAX_MESSAGE_LENGTH + 1);
  expect(out.endsWith("…")).toBe(true);
});
