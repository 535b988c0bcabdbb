/** Options for {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between checks. Default 20 ms. */
  readonly intervalMs?: number;
  /** Said in the error when the deadline passes. */
  readonly description?: string;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false` (or resolves to one),
 * and returns that value. Errors thrown by `check` count as "not yet"; the last one is reported
 * if the deadline passes. Use it instead of fixed sleeps.
 */
export async function waitUntil<T>(
  check: () => T | false | undefined | Promise<T | false | undefined>,
  options: WaitUntilOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 20;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const what = options.description ?? "condition";
      const why = lastError instanceof Error ? `: last error: ${lastError.message}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
