import {
  createModelRecord,
  MeshError,
  type ModelRecord,
  type StoreCallOptions,
  updateLastUsed,
} from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";
import { refuseInReadOnlyMode } from "./read-only.js";

const HOUR_MS = 3_600_000;

/** A validated registerModel request. */
export interface Registration {
  readonly modelId: string;
  readonly type: string;
  readonly path: string | undefined;
  readonly key: string | undefined;
  readonly loadNow: boolean;
  /** Client-supplied `lastUsedTime` (epoch ms; 0 = let the mesh choose). */
  readonly lastUsedMs: number;
}

/** Result of {@link writeRegistration}. */
export interface RegistrationResult {
  readonly created: boolean;
  /** The `lu` the registration asked for (passed on to the load with `loadNow`). */
  readonly lastUsedMs: number;
}

/** The initial recency (§4.7): the client's value capped at now, else now − 1 h (loadNow) or now − 6 h. */
export function initialLastUsedMs(registration: Registration, nowMs: number): number {
  if (registration.lastUsedMs > 0) return Math.min(registration.lastUsedMs, nowMs);
  return nowMs - (registration.loadNow ? HOUR_MS : 6 * HOUR_MS);
}

function sameModel(record: ModelRecord, registration: Registration): boolean {
  return (
    record.type === registration.type &&
    (record.path ?? "") === (registration.path ?? "") &&
    (record.key ?? "") === (registration.key ?? "")
  );
}

/**
 * Creates the model record (§13.1): idempotent for identical attributes, ALREADY_EXISTS "Model
 * already exists with different attribute values" otherwise. Re-registering an identical model
 * without `loadNow` moves `lu` forward only when the new value is more than an hour newer.
 * `call` bounds the whole update (its `timeoutMs` covers every retry) and can cancel it.
 */
export async function writeRegistration(
  ctx: MeshContext,
  registration: Registration,
  call: StoreCallOptions = {},
): Promise<RegistrationResult> {
  const now = ctx.clock.nowMs();
  const lastUsedMs = initialLastUsedMs(registration, now);
  let conflict = false;
  let created = false;
  let refused = false;
  await ctx.registry.update(
    registration.modelId,
    (current) => {
      conflict = false;
      created = false;
      refused = false;
      if (current === undefined) {
        // Read-only mode registers no new model (an identical existing one is fine).
        if (ctx.readOnly) {
          refused = true;
          return undefined;
        }
        created = true;
        return {
          put: createModelRecord({
            type: registration.type,
            ...(registration.path ? { path: registration.path } : {}),
            ...(registration.key ? { key: registration.key } : {}),
            lastUsedMs,
          }),
        };
      }
      if (!sameModel(current.value, registration)) {
        conflict = true;
        return undefined;
      }
      if (!registration.loadNow && lastUsedMs > current.value.lastUsedMs + HOUR_MS) {
        return { put: updateLastUsed(current.value, lastUsedMs, now) };
      }
      return undefined;
    },
    { start: { current: ctx.registryMirror.get(registration.modelId) }, ...call, clock: ctx.clock },
  );
  if (refused) refuseInReadOnlyMode(ctx, "model", `registerModel for ${registration.modelId}`);
  if (conflict) throw new MeshError("ALREADY_EXISTS", "Model already exists with different attribute values");
  return { created, lastUsedMs };
}

/**
 * Deletes a model record (§13.1): a no-op when absent, FAILED_PRECONDITION "Model X has
 * referents" while vmodels refer to it. Local copies go through the registry watch. `call` bounds
 * the whole update, as for {@link writeRegistration}.
 */
export async function deleteRegistration(
  ctx: MeshContext,
  modelId: string,
  call: StoreCallOptions = {},
): Promise<void> {
  let referenced = false;
  let refused = false;
  await ctx.registry.update(
    modelId,
    (current) => {
      referenced = false;
      refused = false;
      if (current === undefined) return undefined;
      if (current.value.refs > 0) {
        referenced = true;
        return undefined;
      }
      if (ctx.readOnly) {
        refused = true;
        return undefined;
      }
      return { delete: true };
    },
    { start: { current: ctx.registryMirror.get(modelId) }, ...call, clock: ctx.clock },
  );
  if (referenced) throw new MeshError("FAILED_PRECONDITION", `Model ${modelId} has referents`);
  if (refused) refuseInReadOnlyMode(ctx, "model", `unregisterModel for ${modelId}`);
}
