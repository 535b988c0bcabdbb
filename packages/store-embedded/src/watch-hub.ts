import type { KvEvent, KvWatch, KvWatchListener, Logger } from "@modelmesh/core";
import type { CommitRecord } from "./commit-record.js";
import type { StoreState } from "./store-state.js";

interface Watcher {
  readonly prefix: string;
  readonly listener: KvWatchListener;
}

/**
 * In-process watches. A watch gets a snapshot of the durable state on the next turn of the event
 * loop and is registered in the same turn, so it then sees every later commit: there is no network
 * in between, hence no reconnect, no compaction and never a second snapshot.
 */
export class WatchHub {
  readonly #watchers = new Set<Watcher>();
  readonly #state: StoreState;
  readonly #logger: Logger;

  constructor(state: StoreState, logger: Logger) {
    this.#state = state;
    this.#logger = logger;
  }

  /** Starts a watch of `prefix`. */
  watch(prefix: string, listener: KvWatchListener): KvWatch {
    const watcher: Watcher = { prefix, listener };
    let closed = false;
    setImmediate(() => {
      if (closed) return;
      const entries = { [Symbol.iterator]: () => this.#state.entriesUnder(prefix) };
      this.#deliver(() => listener.snapshot(entries, this.#state.revision));
      this.#watchers.add(watcher);
    });
    return {
      close: () => {
        closed = true;
        this.#watchers.delete(watcher);
      },
    };
  }

  /** Delivers a durable commit to the watches of the keys it touches. */
  publish(record: CommitRecord): void {
    for (const watcher of this.#watchers) {
      const events: KvEvent[] = [];
      for (const op of record.o) {
        if (!op.k.startsWith(watcher.prefix)) continue;
        events.push(
          op.v === undefined
            ? { type: "delete", key: op.k, modRevision: record.r }
            : {
                type: "put",
                entry: { key: op.k, value: op.v, modRevision: record.r, createRevision: op.c ?? record.r },
              },
        );
      }
      if (events.length > 0) this.#deliver(() => watcher.listener.events(events, record.r));
    }
  }

  /** Stops every watch. */
  closeAll(): void {
    this.#watchers.clear();
  }

  #deliver(call: () => void): void {
    try {
      call();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#logger.error({ reason }, "a watch listener threw");
    }
  }
}
