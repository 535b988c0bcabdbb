/** A promise with its settle functions, settled at most once; rejections are never unhandled. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  readonly settled: boolean;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function createDeferred<T>(): Deferred<T> {
  let resolveFn: (value: T) => void = () => {};
  let rejectFn: (error: unknown) => void = () => {};
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  promise.catch(() => undefined);
  const deferred = {
    promise,
    settled: false,
    resolve(value: T) {
      if (deferred.settled) return;
      deferred.settled = true;
      resolveFn(value);
    },
    reject(error: unknown) {
      if (deferred.settled) return;
      deferred.settled = true;
      rejectFn(error);
    },
  };
  return deferred;
}
