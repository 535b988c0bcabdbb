import { removeEntry } from "../cache/departures.js";
import type { MeshContext } from "../mesh-context.js";

/** Drops the local copy of `modelId` (its registration is gone): unloads it (§4.6). */
export function removeLocalCopy(ctx: MeshContext, modelId: string): void {
  const entry = ctx.cache.peek(modelId);
  if (entry === undefined) return;
  entry.data.registered = false;
  removeEntry(ctx, entry);
}

/**
 * Follows the registry: when a model is unregistered (by any instance), its local copy is
 * removed and unloaded (§4.6 "registry deletion of a model registered on us"). Returns the
 * unsubscribe function.
 */
export function watchRegistryDeletions(ctx: MeshContext): () => void {
  return ctx.registryMirror.subscribe((event) => {
    if (event.type === "deleted") removeLocalCopy(ctx, event.id);
  });
}
