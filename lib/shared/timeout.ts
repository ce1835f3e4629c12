// One bound on how long to wait for a promise. The timer is cleared either way, so a settled race never
// keeps a function instance (or a test) alive.

export class TimeoutError extends Error {
  constructor(readonly ms: number, what = "no answer") {
    super(`${what} within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Resolves or rejects like `promise`, or rejects with a TimeoutError after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what?: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms, what)), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The promise's value wrapped, or `undefined` when it did not settle within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | undefined> {
  try {
    return { value: await withTimeout(promise, ms) };
  } catch (error) {
    if (error instanceof TimeoutError) return undefined;
    throw error;
  }
}
