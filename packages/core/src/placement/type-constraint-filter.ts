import type { PlacementFilter } from "./types.js";

/**
 * Keeps instances that have every label the model type requires (§3.2, §9.7). The allowed
 * set is computed by the type-constraint code; absent means the type is unconstrained.
 */
export const typeConstraintFilter: PlacementFilter = {
  name: "type-constraint",
  keep: (entry, ctx) => ctx.input.allowedInstances?.has(entry.id) ?? true,
  explain(_entry, ctx, kept) {
    const type = ctx.input.model.type;
    if (ctx.input.allowedInstances === undefined) return `type ${type} has no label requirements`;
    return kept ? `has every label type ${type} requires` : `lacks a label type ${type} requires`;
  },
};
