import { MeshError } from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** Message of every write refused in read-only mode (the original's words). */
export const READ_ONLY_MESSAGE = "model-mesh read-only mode";

/**
 * Refuses a registry write in read-only mode (`KV_READ_ONLY`): INTERNAL "model-mesh read-only
 * mode" for model registrations and deletions, UNAVAILABLE "model-mesh is in read-only mode"
 * for vmodel changes, as the original answered; logged at warn with what was refused.
 */
export function refuseInReadOnlyMode(ctx: MeshContext, what: "model" | "vmodel", action: string): void {
  if (!ctx.readOnly) return;
  ctx.logger.warn({}, `rejecting ${action} while in read-only mode`);
  throw what === "model"
    ? new MeshError("INTERNAL", READ_ONLY_MESSAGE)
    : new MeshError("STORE_UNAVAILABLE", "model-mesh is in read-only mode");
}
