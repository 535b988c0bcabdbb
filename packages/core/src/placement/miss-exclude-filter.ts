import type { PlacementEntry, PlacementFilter, PlacementInput } from "./types.js";

/** Why an instance is not a load target for this model, or undefined when it may be. */
function exclusionReason(entry: PlacementEntry, input: PlacementInput): string | undefined {
  const { model } = input;
  if (Object.hasOwn(model.instanceIds, entry.id)) return "already has a copy (loaded or loading)";
  if (Object.hasOwn(model.failedIn, entry.id)) return "the model recently failed to load there";
  if (input.explicitExcludes?.has(entry.id)) return "excluded by the caller";
  if (input.attempted?.has(entry.id)) return "a load was already attempted there for this request";
  return undefined;
}

/**
 * Drops the cache-miss exclusions of §2.3: instances that hold or failed the model, those the
 * caller excluded, and those where this request already tried to load it.
 */
export const missExcludeFilter: PlacementFilter = {
  name: "miss-excludes",
  keep: (entry, ctx) => exclusionReason(entry, ctx.input) === undefined,
  explain: (entry, ctx) => exclusionReason(entry, ctx.input) ?? "not excluded",
};
