import type { InstanceRecord } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

const DAY_MS = 86_400_000;

/**
 * The numeric instance version of §1.4 from a service version string: `...-YYYYMMDD-N` → the
 * date's epoch ms + N (legacy `YYYYMMDD-HHmm[-N]` reads its date part the same way); 0 when absent
 * or not in that form.
 */
export function instanceVersion(serviceVersion: string | undefined): number {
  if (serviceVersion === undefined) return 0;
  const match = /(\d{4})(\d{2})(\d{2})(?:-(\d{4}))?(?:-(\d+))?$/.exec(serviceVersion);
  if (!match) return 0;
  const [, y, m, d, hhmm, n] = match;
  const dateMs = Date.UTC(Number(y), Number(m) - 1, Number(d));
  if (Number.isNaN(dateMs)) return 0;
  const minutes = hhmm === undefined ? 0 : Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2));
  return dateMs + ((minutes * 60_000) % DAY_MS) + Number(n ?? 0);
}

/** This instance's record as it is now (§1.4, §9.10), from its cache and loading queue. */
export function buildInstanceRecord(
  ctx: MeshContext,
  fixed: { readonly startTimeMs: number; readonly shutdown: boolean },
): InstanceRecord {
  const stats = ctx.cache.stats();
  const { identity } = ctx;
  return {
    startTimeMs: fixed.startTimeMs,
    version: instanceVersion(identity.serviceVersion),
    location: identity.location,
    ...(identity.zone === undefined || identity.zone === "" ? {} : { zone: identity.zone }),
    labels: [...identity.labels].sort(),
    lruTimeMs: stats.lruTimeMs,
    count: stats.count,
    capacityUnits: stats.capacityUnits,
    usedUnits: stats.usedUnits,
    loadingThreads: ctx.runtime.parameters.loadingConcurrency,
    loadsInProgress: ctx.queue.inProgress,
    rpm: ctx.requests.rpm(),
    shutdown: fixed.shutdown,
    internalEndpoint: `${identity.location}:${identity.internalPort}`,
    extra: {},
  };
}
