import type { ClusterStats } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** Registry changes within this window are counted once, ms. */
const COALESCE_MS = 250;

/** True when the record map has at least one key. */
function hasAny(map: Readonly<Record<string, number>>): boolean {
  for (const _ in map) return true;
  return false;
}

/** Counts the cluster figures the leader exports from the registry as mirrored here. */
export function clusterStatsOf(ctx: MeshContext): ClusterStats {
  let modelsLoaded = 0;
  let modelsWithFailure = 0;
  for (const [, versioned] of ctx.registryMirror.entries()) {
    if (hasAny(versioned.value.instanceIds)) modelsLoaded++;
    if (hasAny(versioned.value.failedIn)) modelsWithFailure++;
  }
  return { modelsLoaded, modelsWithFailure, modelsManaged: ctx.registryMirror.size };
}

/**
 * The leader-only gauges (models loaded, with failures, managed): counted when leadership is
 * gained and after registry changes while leading; withdrawn when leadership is lost, so only
 * the leader exports them. Nothing runs when metrics are disabled.
 */
export class ClusterGauges {
  readonly #ctx: MeshContext;
  #leading = false;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: () => void = () => {};

  constructor(ctx: MeshContext) {
    this.#ctx = ctx;
  }

  /** This instance became leader: count now and follow the registry. */
  gained(): void {
    if (!this.#ctx.metrics.enabled || this.#leading) return;
    this.#leading = true;
    this.#unsubscribe = this.#ctx.registryMirror.subscribe(() => this.#schedule());
    this.#report();
  }

  /** Leadership lost (or shutdown): the series go away. */
  lost(): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#unsubscribe();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ctx.metrics.clusterStats(undefined);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#report();
    }, COALESCE_MS);
    this.#timer.unref();
  }

  #report(): void {
    if (this.#leading) this.#ctx.metrics.clusterStats(clusterStatsOf(this.#ctx));
  }
}
