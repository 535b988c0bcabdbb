/** Resolves after `ms` milliseconds (real time; background tasks only, never in tests' waits). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
