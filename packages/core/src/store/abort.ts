import { MeshError } from "../errors.js";
import type { AbortSignalLike } from "./call-options.js";

/**
 * The error a store call rejects with when its caller's signal aborts: `CANCELLED`, with the
 * signal's reason as cause. Not a stable API.
 * @internal
 */
export function cancelledError(signal: AbortSignalLike | undefined): MeshError {
  return new MeshError("CANCELLED", "the store call was cancelled", { cause: signal?.reason });
}

/** Throws {@link cancelledError} when `signal` has aborted. @internal */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted === true) throw cancelledError(signal);
}
