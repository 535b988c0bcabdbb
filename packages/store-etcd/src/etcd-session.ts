import {
  DEFAULT_SESSION_TTL_MS,
  type KvDeleteOutcome,
  type KvDeleteRequest,
  type KvPutOutcome,
  type KvPutRequest,
  type KvSession,
  type KvSessionOptions,
  type KvSessionRecreated,
  type KvSessionState,
  type Logger,
  MeshError,
  type StoreCallOptions,
} from "@modelmesh/core";
import { type Etcd3, EtcdLeaseInvalidError } from "etcd3";
import { type CallPolicy, runEtcdCall, sleep } from "./call.js";
import { LeaseExpiry } from "./lease-expiry.js";

/** What a session needs from its store. */
export interface EtcdSessionDeps {
  readonly client: Etcd3;
  readonly policy: CallPolicy;
  readonly logger: Logger;
  /** A conditional put bound to `lease`. */
  put(request: KvPutRequest, lease: string, options?: StoreCallOptions): Promise<KvPutOutcome>;
  deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome>;
  /** Called once when the session closes. */
  onClosed(session: KvSession): void;
}

type State =
  | { readonly t: "alive"; readonly leaseId: string }
  | { readonly t: "lost"; readonly leaseId: string }
  | { readonly t: "closed"; readonly leaseId: string };

type KeepAliveStream = Awaited<ReturnType<Etcd3["leaseClient"]["leaseKeepAlive"]>>;

/** Grants a lease and starts keeping it alive. */
export async function openEtcdSession(
  deps: EtcdSessionDeps,
  options: KvSessionOptions = {},
): Promise<KvSession> {
  const ttlMs = options.ttlMs ?? DEFAULT_SESSION_TTL_MS;
  if (!(ttlMs > 0))
    throw new MeshError("INVALID_ARGUMENT", `a session TTL must be positive, got ${ttlMs} ms`);
  const ttlSeconds = Math.max(1, Math.ceil(ttlMs / 1000));
  const granted = await grant(deps, ttlSeconds, options);
  return new EtcdSession(deps, ttlSeconds, granted);
}

/** A granted lease, with when its (last) grant request was sent. */
interface Granted {
  readonly leaseId: string;
  readonly sentMs: number;
}

async function grant(deps: EtcdSessionDeps, ttlSeconds: number, options: StoreCallOptions): Promise<Granted> {
  let sentMs = Date.now();
  const response = await runEtcdCall(
    deps.policy,
    (deadline) => {
      sentMs = Date.now();
      return deps.client.leaseClient.leaseGrant({ TTL: ttlSeconds }, { deadline });
    },
    { ...options, what: "lease grant", idempotent: true },
  );
  return { leaseId: response.ID, sentMs };
}

/**
 * A session lease (§1.6): granted with a TTL (seconds, rounded up), kept alive over a stream every
 * TTL/3. It is lost when etcd says so or when it may have expired: no keep-alive sent in the last
 * TTL was answered (lease-expiry.ts), so not after etcd deletes its keys. A new lease
 * is then created — once etcd can be reached — and the keys written through the session are put
 * again (only where nobody else wrote them meanwhile), firing `lost` and `recreated`.
 */
class EtcdSession implements KvSession {
  readonly #deps: EtcdSessionDeps;
  readonly #ttlSeconds: number;
  readonly #keys = new Map<string, string>();
  readonly #lostListeners = new Set<(error: MeshError) => void>();
  readonly #recreatedListeners = new Set<(info: KvSessionRecreated) => void>();
  readonly #ticker: NodeJS.Timeout;
  #state: State;
  #expiry: LeaseExpiry;
  #expiryTimer: NodeJS.Timeout | undefined;
  #stream: KeepAliveStream | undefined;
  #opening = false;

  constructor(deps: EtcdSessionDeps, ttlSeconds: number, granted: Granted) {
    this.#deps = deps;
    this.#ttlSeconds = ttlSeconds;
    this.#state = { t: "alive", leaseId: granted.leaseId };
    this.#expiry = new LeaseExpiry(granted.sentMs, ttlSeconds * 1000);
    this.#ticker = setInterval(() => this.#tick(), (ttlSeconds * 1000) / 3);
    this.#ticker.unref();
    this.#armExpiry();
    this.#tick();
  }

  leaseId(): string {
    return this.#state.leaseId;
  }

  state(): KvSessionState {
    return this.#state.t;
  }

  async putIfRevision(request: KvPutRequest, options?: StoreCallOptions): Promise<KvPutOutcome> {
    const state = this.#state;
    if (state.t !== "alive") {
      throw new MeshError(
        "STORE_UNAVAILABLE",
        `the session lease is ${state.t === "lost" ? "lost and being re-created" : "closed"}`,
      );
    }
    try {
      const outcome = await this.#deps.put(request, state.leaseId, options);
      if (outcome.ok) this.#keys.set(request.key, request.value);
      return outcome;
    } catch (error) {
      if (error instanceof MeshError && error.cause instanceof EtcdLeaseInvalidError)
        this.#lose("etcd no longer knows the lease");
      throw error;
    }
  }

  async deleteIfRevision(request: KvDeleteRequest, options?: StoreCallOptions): Promise<KvDeleteOutcome> {
    const outcome = await this.#deps.deleteIfRevision(request, options);
    if (outcome.ok || outcome.current === undefined) this.#keys.delete(request.key);
    return outcome;
  }

  onLost(listener: (error: MeshError) => void): () => void {
    this.#lostListeners.add(listener);
    return () => this.#lostListeners.delete(listener);
  }

  onRecreated(listener: (info: KvSessionRecreated) => void): () => void {
    this.#recreatedListeners.add(listener);
    return () => this.#recreatedListeners.delete(listener);
  }

  async close(options?: StoreCallOptions): Promise<void> {
    if (this.#state.t === "closed") return;
    const { leaseId } = this.#state;
    this.#state = { t: "closed", leaseId };
    clearInterval(this.#ticker);
    clearTimeout(this.#expiryTimer);
    this.#endStream();
    this.#deps.onClosed(this);
    try {
      await this.#revoke(leaseId, options);
    } catch (error) {
      // The keys expire with the lease anyway, at most one TTL later.
      this.#deps.logger.warn(
        { leaseId, reason: (error as Error).message },
        "could not revoke the session lease",
      );
    }
  }

  #tick(): void {
    if (this.#state.t !== "alive") return;
    if (this.#stream !== undefined) this.#keepAlive(this.#stream);
    else void this.#openStream();
  }

  #keepAlive(stream: KeepAliveStream): void {
    this.#expiry.sent(Date.now());
    stream.write({ ID: this.#state.leaseId });
  }

  /** Gives the lease up at the moment it may have expired, unless an answer moves that on. */
  #armExpiry(): void {
    clearTimeout(this.#expiryTimer);
    this.#expiryTimer = setTimeout(
      () => {
        if (this.#state.t !== "alive") return;
        if (Date.now() < this.#expiry.aliveUntilMs) this.#armExpiry();
        else
          this.#lose(
            `no keep-alive sent in the last ${this.#ttlSeconds} s was answered, so the lease may have expired`,
          );
      },
      Math.max(0, this.#expiry.aliveUntilMs - Date.now()),
    );
    this.#expiryTimer.unref();
  }

  async #openStream(): Promise<void> {
    if (this.#opening) return;
    this.#opening = true;
    try {
      const stream = await this.#deps.client.leaseClient.leaseKeepAlive();
      if (this.#state.t !== "alive") {
        stream.end();
        return;
      }
      this.#stream = stream;
      this.#expiry.streamReplaced();
      stream.on("data", (response) => {
        if (response.ID !== this.#state.leaseId || this.#state.t !== "alive") return;
        if (response.TTL === "0") this.#lose("etcd reports the lease expired");
        else {
          this.#expiry.answered(Number(response.TTL));
          this.#armExpiry();
        }
      });
      const dropped = () => {
        if (this.#stream === stream) this.#stream = undefined;
      };
      stream.on("error", dropped);
      stream.on("end", dropped);
      this.#keepAlive(stream);
    } catch {
      // Unreachable: the next tick tries again, until the lease is given up.
    } finally {
      this.#opening = false;
    }
  }

  #endStream(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream === undefined) return;
    stream.end();
    stream.cancel();
  }

  #lose(reason: string): void {
    if (this.#state.t !== "alive") return;
    const { leaseId } = this.#state;
    this.#state = { t: "lost", leaseId };
    clearTimeout(this.#expiryTimer);
    this.#endStream();
    const error = new MeshError("STORE_UNAVAILABLE", `session lease ${leaseId} lost: ${reason}`);
    this.#deps.logger.warn({ leaseId, reason }, "session lease lost; creating a new one");
    for (const listener of this.#lostListeners) listener(error);
    void this.#recreate(leaseId);
  }

  /** Replaces a lost lease and puts the session's keys again, retrying until etcd answers. */
  async #recreate(lostLeaseId: string): Promise<void> {
    // Leases whose keys must be gone before the keys are put again (with "create only"): the lost
    // one, in case etcd still holds it (keep-alives lost on the way back), and the lease of an
    // attempt that failed part way, whose puts may have applied.
    let stale = [lostLeaseId];
    for (let attempt = 0; this.#state.t === "lost"; attempt++) {
      try {
        for (const leaseId of stale) await this.#revoke(leaseId);
        stale = [];
        const granted = await grant(this.#deps, this.#ttlSeconds, {});
        const { leaseId } = granted;
        stale = [leaseId];
        const info = await this.#restoreKeys(leaseId);
        if (this.#state.t !== "lost") {
          await this.#revoke(leaseId).catch(() => undefined);
          return;
        }
        this.#state = { t: "alive", leaseId };
        this.#expiry = new LeaseExpiry(granted.sentMs, this.#ttlSeconds * 1000);
        this.#armExpiry();
        this.#tick();
        this.#deps.logger.info({ leaseId, restored: info.restoredKeys.length }, "session lease re-created");
        for (const listener of this.#recreatedListeners) listener(info);
        return;
      } catch (error) {
        this.#deps.logger.debug({ reason: (error as Error).message }, "session lease not re-created yet");
        // Short pauses: the instance's records are missing until this succeeds, so it should
        // succeed soon after etcd is back (each attempt's calls are bounded by their deadline).
        await sleep(Math.min(1_000, 100 * 2 ** Math.min(attempt, 4)));
      }
    }
  }

  async #restoreKeys(leaseId: string): Promise<KvSessionRecreated> {
    const restoredKeys: string[] = [];
    const conflictingKeys: string[] = [];
    const revisions = new Map<string, number>();
    for (const [key, value] of [...this.#keys]) {
      const outcome = await this.#deps.put({ key, value, expectedRevision: 0 }, leaseId);
      if (outcome.ok) {
        restoredKeys.push(key);
        revisions.set(key, outcome.revision);
      } else {
        conflictingKeys.push(key);
        this.#keys.delete(key);
      }
    }
    return { leaseId, restoredKeys, conflictingKeys, revisions };
  }

  async #revoke(leaseId: string, options: StoreCallOptions = {}): Promise<void> {
    try {
      await runEtcdCall(
        this.#deps.policy,
        (deadline) => this.#deps.client.leaseClient.leaseRevoke({ ID: leaseId }, { deadline }),
        { ...options, what: "lease revoke", idempotent: true },
      );
    } catch (error) {
      if (error instanceof MeshError && error.cause instanceof EtcdLeaseInvalidError) return;
      throw error;
    }
  }
}
