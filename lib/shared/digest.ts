// SHA-256 in the two forms the code needs: bytes (constant-time comparison of equal-length digests) and
// hex (ids and keys that must not reveal what they were derived from).
import { createHash } from "node:crypto";

export function sha256(data: string | Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
