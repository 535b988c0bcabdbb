/** A set of listeners for one kind of event. */
export interface ListenerSet<T> {
  /** Adds a listener; returns a function that removes it. */
  add(listener: (value: T) => void): () => void;
  /** Calls every listener; one that throws is reported to `onError` and does not stop the others. */
  emit(value: T, onError: (error: unknown) => void): void;
  /** Number of listeners. */
  readonly size: number;
}

/** Creates a {@link ListenerSet}. @internal */
export function createListenerSet<T>(): ListenerSet<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    add(listener) {
      // Wrap so the same function can be added twice and removed independently.
      const entry = (value: T) => listener(value);
      listeners.add(entry);
      return () => listeners.delete(entry);
    },
    emit(value, onError) {
      for (const listener of listeners) {
        try {
          listener(value);
        } catch (error) {
          onError(error);
        }
      }
    },
    get size() {
      return listeners.size;
    },
  };
}
