// One bound for the in-memory stores that keep entries with an expiry (idempotency keys, decisions):
// expired entries go first, then the oldest (a Map iterates in insertion order) until the count fits.

export function evictExpiredAndOldest(entries: Map<string, { expiresAt: number }>, now: number, maxEntries: number): void {
  for (const [key, { expiresAt }] of entries) {
    if (expiresAt <= now) entries.delete(key);
  }
  for (const key of entries.keys()) {
    if (entries.size <= maxEntries) break;
    entries.delete(key);
  }
}
