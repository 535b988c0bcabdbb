import type { InstanceRecord, MeshSession } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { reportInstanceStats } from "../metrics/instance-stats.js";
import { buildInstanceRecord } from "./instance-record.js";

/** True when two records differ in a field peers read (§9.10). */
function changed(a: InstanceRecord | undefined, b: InstanceRecord): boolean {
  if (a === undefined) return true;
  return (
    a.shutdown !== b.shutdown ||
    a.capacityUnits !== b.capacityUnits ||
    a.usedUnits !== b.usedUnits ||
    a.count !== b.count ||
    a.lruTimeMs !== b.lruTimeMs ||
    a.loadingThreads !== b.loadingThreads ||
    a.loadsInProgress !== b.loadsInProgress ||
    a.rpm !== b.rpm
  );
}

/**
 * Publishes this instance's record in `instances/<id>` with the session lease (§9.10): on a
 * fixed period, and soon after local changes, never more often than the minimum interval. A
 * periodic publish is skipped when nothing changed (the original's finer "significant change"
 * thresholds are simplified to "any change"). Writes are compare-and-set on the revision.
 */
export class InstancePublisher {
  readonly #ctx: MeshContext;
  readonly #session: MeshSession;
  readonly #startTimeMs: number;
  #shutdown = false;
  #published: InstanceRecord | undefined;
  #revision = 0;
  #lastPublishMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  /** The last publish queued; it never rejects, so a failed publish cannot fail the next ones. */
  #running: Promise<void> = Promise.resolve();
  /** A background publish queued and not started yet (further requests join it). */
  #waiting: { force: boolean } | undefined;
  #stopped = false;
  #unsubscribe: () => void = () => {};
  #unsubscribeSession: () => void = () => {};

  constructor(ctx: MeshContext, session: MeshSession, startTimeMs: number) {
    this.#ctx = ctx;
    this.#session = session;
    this.#startTimeMs = startTimeMs;
    this.#revision = ctx.instancesMirror.get(ctx.selfId)?.revision ?? 0;
  }

  /** The record as it is now. */
  current(): InstanceRecord {
    return buildInstanceRecord(this.#ctx, { startTimeMs: this.#startTimeMs, shutdown: this.#shutdown });
  }

  /**
   * Publishes now and starts the periodic task. A record that disappears (session expiry, an
   * operator) is published again at once (§1.4).
   */
  async start(): Promise<void> {
    await this.publish();
    this.#timer = setInterval(() => this.#queue(false), this.#ctx.timings.instancePublishIntervalMs);
    this.#timer.unref();
    const selfId = this.#ctx.selfId;
    this.#unsubscribe = this.#ctx.instancesMirror.subscribe((event) => {
      if (event.type === "deleted" && event.id === selfId) this.#queue(true);
    });
    this.#unsubscribeSession = this.#session.onRecreated(() => this.#queue(true));
  }

  /** Asks for a publish soon, respecting the minimum interval. */
  request(): void {
    if (this.#stopped || this.#soon !== undefined) return;
    const waitMs = Math.max(
      0,
      this.#lastPublishMs + this.#ctx.timings.instancePublishMinIntervalMs - Date.now(),
    );
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      this.#queue(false);
    }, waitMs);
    this.#soon.unref();
  }

  /**
   * Publishes the current record now (in order with other publishes); rejects when this publish
   * failed. Each publish runs whatever happened to the ones before it.
   */
  publish(force = true): Promise<void> {
    const run = this.#running.then(() => this.#publish(force));
    this.#running = run.catch(() => undefined);
    return run;
  }

  /** Marks the record `shutdown` (peers then treat it as gone) and publishes it. */
  async markShutdown(): Promise<void> {
    this.#shutdown = true;
    await this.publish().catch(() => undefined);
  }

  /** Stops publishing and deletes the record. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    this.#unsubscribeSession();
    clearInterval(this.#timer);
    clearTimeout(this.#soon);
    await this.#running.catch(() => undefined);
    const table = this.#ctx.instances;
    const current = this.#ctx.instancesMirror.get(this.#ctx.selfId);
    const revision = current?.revision ?? this.#revision;
    if (revision > 0) {
      await this.#session
        .deleteIfRevision(table, { id: this.#ctx.selfId, expectedRevision: revision })
        .catch(() => undefined);
    }
  }

  /**
   * Queues a background publish. While one is already waiting its turn (a store call is slow, as
   * while etcd is unreachable) the request joins it, so an outage does not pile up publishes.
   */
  #queue(force: boolean): void {
    if (this.#stopped) return;
    if (this.#waiting !== undefined) {
      this.#waiting.force ||= force;
      return;
    }
    const waiting = { force };
    this.#waiting = waiting;
    const run = this.#running.then(() => {
      this.#waiting = undefined;
      return this.#publish(waiting.force);
    });
    this.#running = run.catch((error: unknown) => {
      this.#ctx.logger.warn({ reason: String(error) }, "could not publish the instance record");
    });
  }

  async #publish(force: boolean): Promise<void> {
    if (this.#stopped) return;
    const record = this.current();
    reportInstanceStats(this.#ctx, record);
    const now = Date.now();
    const stale = now - this.#lastPublishMs >= this.#ctx.timings.instancePublishForceAfterMs;
    if (!force && !stale && !changed(this.#published, record)) return;
    const table = this.#ctx.instances;
    const id = this.#ctx.selfId;
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await this.#session.putIfRevision(table, {
        id,
        value: record,
        expectedRevision: this.#revision,
      });
      if (outcome.ok) {
        this.#revision = outcome.revision;
        this.#published = record;
        this.#lastPublishMs = now;
        return;
      }
      this.#revision = outcome.current?.revision ?? 0;
    }
  }
}
