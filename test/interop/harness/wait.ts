/**
 * Bounded polling. Interop tests wait for another process to reach a state (a session to come up,
 * a prefix to arrive); they poll with a deadline and a bounded number of tries, never sleep blindly.
 */

export interface WaitOptions {
  /** Give up after this long (required: every wait is bounded). */
  timeoutMs: number;
  /** Pause between tries (default 200 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

export class WaitTimeoutError extends Error {
  constructor(
    what: string,
    timeoutMs: number,
    tries: number,
    readonly lastValue: unknown,
    readonly lastError: unknown,
  ) {
    const last =
      lastError !== undefined
        ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
        : `last value: ${safeJson(lastValue)}`;
    super(`timed out after ${timeoutMs} ms (${tries} tries) waiting for ${what}; ${last}`);
    this.name = 'WaitTimeoutError';
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 1000) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Thrown by a predicate to end the wait at once (e.g. the awaited process has exited). */
export class StopWaiting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopWaiting';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Call `predicate` until it returns a truthy value (which is returned) or the time runs out (which
 * throws WaitTimeoutError). A predicate that throws counts as "not yet" and the last error is
 * reported, except StopWaiting, which is rethrown at once.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  opts: WaitOptions,
): Promise<NonNullable<T>> {
  const intervalMs = Math.max(10, opts.intervalMs ?? 200);
  const deadline = Date.now() + opts.timeoutMs;
  // The count bound is a second guard in case a predicate returns instantly and the clock stalls.
  const maxTries = Math.ceil(opts.timeoutMs / intervalMs) + 2;
  let lastValue: unknown;
  let lastError: unknown;
  let tries = 0;
  while (tries < maxTries) {
    tries++;
    try {
      const v = await predicate();
      lastError = undefined;
      if (v) return v as NonNullable<T>;
      lastValue = v;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      lastError = e;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(intervalMs, left));
  }
  throw new WaitTimeoutError(opts.what ?? 'a condition', opts.timeoutMs, tries, lastValue, lastError);
}
