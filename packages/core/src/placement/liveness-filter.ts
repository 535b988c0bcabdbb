import type { PlacementFilter } from "./types.js";

/**
 * Keeps instances that can be reached now (the original required a live litelinks
 * registration, §3.2). This instance is always reachable from itself.
 */
export const livenessFilter: PlacementFilter = {
  name: "liveness",
  keep: (entry, ctx) => entry.id === ctx.selfId || (ctx.input.isReachable?.(entry.id) ?? true),
  explain: (_entry, _ctx, kept) => (kept ? "reachable" : "not reachable (no live registration)"),
};
