import {
  type KvDeleteOutcome,
  type KvDeleteRequest,
  type KvPutOutcome,
  type KvPutRequest,
  type KvSession,
  type KvSessionState,
  MeshError,
  type StoreCallOptions,
} from "@modelmesh/core";
import type { EmbeddedKvStore } from "./embedded-store.js";

/**
 * An in-process session. Nothing can cut it off from the store, so it is never lost: its keys
 * live until it closes or the process ends (they are deleted when the store next opens).
 */
export class EmbeddedSession implements KvSession {
  readonly #store: EmbeddedKvStore;
  readonly #leaseId: string;
  readonly #onClosed: () => void;
  #state: KvSessionState = "alive";

  constructor(store: EmbeddedKvStore, leaseId: string, onClosed: () => void) {
    this.#store = store;
    this.#leaseId = leaseId;
    this.#onClosed = onClosed;
  }

  leaseId(): string {
    return this.#leaseId;
  }

  state(): KvSessionState {
    return this.#state;
  }

  putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome> {
    this.#checkAlive();
    return this.#store.putWithLease(request, this.#leaseId, options);
  }

  deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome> {
    this.#checkAlive();
    return this.#store.deleteIfRevision(request, options);
  }

  onLost(): () => void {
    return () => undefined;
  }

  onRecreated(): () => void {
    return () => undefined;
  }

  async close(options?: StoreCallOptions): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "closed";
    this.#onClosed();
    await this.#store.deleteLeaseKeys(this.#leaseId, options);
  }

  #checkAlive(): void {
    if (this.#state === "closed") throw new MeshError("FAILED_PRECONDITION", "the session is closed");
  }
}
