// How an action fails, as types the runner reads: an ActionError says whether another attempt could
// help (network errors, 5xx and 429 could; other 4xx could not) and how long the downstream asked to
// wait; a FinalError stops the retries at once (p-retry's AbortError). Anything else thrown is retried
// within the action's bounds. Messages never carry a secret or a URL's query (the runner scrubs them).

export interface ActionErrorOptions {
  /** Whether another attempt could succeed (network errors, 5xx, 429). */
  retryable: boolean;
  httpStatus?: number | undefined;
  /** The downstream asked to wait this long before retrying (Retry-After). */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

export class ActionError extends Error {
  override readonly name: string = "ActionError";
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: ActionErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.httpStatus = options.httpStatus;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Throw from a custom action to fail at once, without further attempts (p-retry's AbortError).
 * Any other error thrown by a custom action is retried within the action's bounds.
 */
export class FinalError extends ActionError {
  override readonly name: string = "FinalError";
  constructor(message: string, options: { httpStatus?: number; cause?: unknown } = {}) {
    super(message, { retryable: false, httpStatus: options.httpStatus, cause: options.cause });
  }
}
