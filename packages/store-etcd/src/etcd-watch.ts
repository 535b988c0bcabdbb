import {
  type KvEvent,
  type KvSnapshotSink,
  type KvWatch,
  type KvWatchListener,
  type Logger,
  MeshError,
} from "@modelmesh/core";
import type { Etcd3, IWatchResponse } from "etcd3";
import { translateEtcdError } from "./errors.js";
import type { AdapterEtcd3 } from "./etcd-client.js";
import type { KeyCodec } from "./keys.js";
import { readRangePages, toKvEntry } from "./range-all.js";
import { RangeWireError, type RangeWirePage } from "./range-wire.js";

/** Options of {@link startPrefixWatch}. */
export interface PrefixWatchOptions {
  readonly client: AdapterEtcd3;
  readonly keys: KeyCodec;
  readonly prefix: string;
  readonly listener: KvWatchListener;
  readonly logger: Logger;
  readonly pageSize: number;
  readonly requestTimeoutMs: number;
}

/** Why a watch stream ended. */
type StreamEnd =
  | { readonly t: "compacted" }
  | { readonly t: "failed"; readonly error: MeshError }
  | { readonly t: "closed" };

/**
 * Watches a prefix with its own gRPC stream: a paginated snapshot, then a watch from the revision
 * after it. It tracks the revision of the last event it delivered (not the response header's,
 * which can run ahead of the events sent so far) and, after any disconnect, resumes from there;
 * when etcd has compacted that history it reads a fresh snapshot instead. Reconnects back off from
 * 100 ms to 2 s. Listener calls never overlap and never come from inside this call.
 */
export function startPrefixWatch(options: PrefixWatchOptions): KvWatch {
  const watch = new PrefixWatch(options);
  void watch.run();
  return { close: () => watch.close() };
}

class PrefixWatch {
  readonly #options: PrefixWatchOptions;
  #closed = false;
  #revision = 0;
  #needSnapshot = true;
  #connected = false;
  #failures = 0;
  #endStream: ((end: StreamEnd) => void) | undefined;
  #wake: (() => void) | undefined;

  constructor(options: PrefixWatchOptions) {
    this.#options = options;
  }

  close(): void {
    this.#closed = true;
    this.#endStream?.({ t: "closed" });
    this.#wake?.();
  }

  async run(): Promise<void> {
    while (!this.#closed) {
      const end = this.#needSnapshot ? await this.#snapshot() : await this.#stream();
      if (this.#closed) return;
      if (end === undefined) continue;
      if (end.t === "compacted") {
        this.#options.logger.info(
          { prefix: this.#options.prefix, revision: this.#revision },
          "watch history compacted; reading the table again",
        );
        this.#needSnapshot = true;
        continue;
      }
      if (end.t === "failed") {
        this.#disconnected(end.error);
        await this.#pause();
      }
    }
  }

  /**
   * Reads the whole prefix at one revision. A listener with `beginSnapshot` gets each page as it
   * arrives (decoded while etcd reads the next one, and no page's entries kept after it); any
   * other gets the pages at the end, as entries decoded while it iterates them.
   */
  async #snapshot(): Promise<StreamEnd | undefined> {
    const { client, keys, prefix, pageSize, requestTimeoutMs, listener } = this.#options;
    const options = { client, keys, prefix, pageSize, deadlineMs: Date.now() + requestTimeoutMs };
    try {
      let sink: KvSnapshotSink | undefined;
      const pages: RangeWirePage[] = [];
      const streaming = listener.beginSnapshot;
      const revision = await readRangePages(options, () => {
        sink = undefined;
        pages.length = 0;
        return (page, pageRevision) => {
          if (this.#closed) return;
          if (streaming === undefined) pages.push(page);
          else {
            // A page that turns out to be malformed fails the read (which starts over); any
            // other error is the listener's, and is logged.
            this.#deliver(() => {
              sink ??= streaming.call(listener, pageRevision);
              sink.add(page.entries());
            }, RangeWireError);
          }
        };
      });
      if (this.#closed) return { t: "closed" };
      this.#needSnapshot = false;
      this.#revision = revision;
      if (streaming !== undefined) {
        this.#deliver(() => {
          sink ??= streaming.call(listener, revision);
          sink.end();
        });
      } else {
        const entries = {
          *[Symbol.iterator]() {
            for (const page of pages) yield* page.entries();
          },
        };
        this.#deliver(() => listener.snapshot(entries, revision));
      }
      return undefined;
    } catch (error) {
      return { t: "failed", error: translateEtcdError(error, `read of ${prefix}`).error };
    }
  }

  async #stream(): Promise<StreamEnd> {
    const { client, keys, prefix } = this.#options;
    let stream: Awaited<ReturnType<Etcd3["watchClient"]["watch"]>>;
    try {
      stream = await client.watchClient.watch();
    } catch (error) {
      return { t: "failed", error: translateEtcdError(error, `watch of ${prefix}`).error };
    }
    const ended = new Promise<StreamEnd>((resolve) => {
      this.#endStream = resolve;
    });
    stream.on("data", (response) => {
      const end = this.#onResponse(response);
      if (end !== undefined) this.#endStream?.(end);
    });
    stream.on("error", (error) =>
      this.#endStream?.({ t: "failed", error: translateEtcdError(error, `watch of ${prefix}`).error }),
    );
    stream.on("end", () =>
      this.#endStream?.({ t: "failed", error: unavailable(`etcd ended the watch of ${prefix}`) }),
    );
    stream.write({
      create_request: {
        ...keys.prefixRange(prefix),
        start_revision: this.#revision + 1,
        progress_notify: true,
      },
    });
    const end = await ended;
    this.#endStream = undefined;
    // Half-close first: the client library treats an error on a still-writable stream as a failed
    // endpoint and resets every connection to it, which would disturb the other watches.
    stream.end();
    stream.cancel();
    return end;
  }

  /** Handles one watch response; returns why the stream must end, if it must. */
  #onResponse(response: IWatchResponse): StreamEnd | undefined {
    if (this.#closed) return { t: "closed" };
    if (Number(response.compact_revision) > 0) return { t: "compacted" };
    if (response.canceled) {
      const reason = response.cancel_reason || "no reason given";
      return {
        t: "failed",
        error: unavailable(`etcd cancelled the watch of ${this.#options.prefix}: ${reason}`),
      };
    }
    if (response.created) {
      this.#connectedAgain();
      return undefined;
    }
    if (response.events.length === 0) {
      // A progress notification: every event up to the header revision has been sent.
      this.#revision = Math.max(this.#revision, Number(response.header.revision));
      return undefined;
    }
    const events: KvEvent[] = response.events.map((event) =>
      event.type === "Put"
        ? { type: "put", entry: toKvEntry(this.#options.keys, event.kv) }
        : {
            type: "delete",
            key: this.#options.keys.decode(event.kv.key),
            modRevision: Number(event.kv.mod_revision),
          },
    );
    const last = events.at(-1);
    const revision =
      last === undefined ? this.#revision : last.type === "put" ? last.entry.modRevision : last.modRevision;
    this.#revision = Math.max(this.#revision, revision);
    const revision2 = this.#revision;
    this.#deliver(() => this.#options.listener.events(events, revision2));
    return undefined;
  }

  #connectedAgain(): void {
    this.#failures = 0;
    if (this.#connected) return;
    this.#connected = true;
    this.#deliver(() => this.#options.listener.status?.({ connected: true }));
  }

  #disconnected(error: MeshError): void {
    this.#failures += 1;
    if (!this.#connected && this.#failures > 1) return;
    this.#connected = false;
    this.#deliver(() => this.#options.listener.status?.({ connected: false, error }));
  }

  /**
   * Calls the listener; a listener that throws is logged, never allowed to break the stream.
   * Errors of the class `rethrow` are not the listener's: they propagate.
   */
  #deliver(call: () => void, rethrow?: abstract new (...args: never[]) => Error): void {
    try {
      call();
    } catch (error) {
      if (rethrow !== undefined && error instanceof rethrow) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.logger.error({ prefix: this.#options.prefix, reason }, "a watch listener threw");
    }
  }

  /** Waits before reconnecting (100 ms doubling to 2 s, with jitter); close() cuts it short. */
  #pause(): Promise<void> {
    const delayMs = Math.min(2_000, 100 * 2 ** Math.min(this.#failures - 1, 5)) * (0.5 + Math.random() / 2);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, delayMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function unavailable(message: string): MeshError {
  return new MeshError("STORE_UNAVAILABLE", message);
}
