import {
  addCopy,
  addLoadFailure,
  type ModelRecord,
  removeCopy,
  removeLoadFailure,
  updateLastUsed,
} from "@modelmesh/core";
import type { MeshContext } from "../mesh-context.js";

/** Starts a compare-and-set from the mirror's copy of the record (§1.6: read from the watch cache). */
function start(ctx: MeshContext, modelId: string) {
  return { start: { current: ctx.registryMirror.get(modelId) } };
}

/** The ids of a map other than `selfId`, sorted, as one comparable string. */
function othersKey(map: Readonly<Record<string, number>>, selfId: string): string {
  return Object.keys(map)
    .filter((id) => id !== selfId)
    .sort()
    .join(",");
}

/** True when other instances' copies or failures differ between two versions of a record. */
export function othersChanged(before: ModelRecord, after: ModelRecord, selfId: string): boolean {
  return (
    othersKey(before.instanceIds, selfId) !== othersKey(after.instanceIds, selfId) ||
    othersKey(before.failedIn, selfId) !== othersKey(after.failedIn, selfId)
  );
}

/** Result of {@link registerCopy}. */
export type RegisterCopyResult =
  | { readonly kind: "registered" }
  | { readonly kind: "changed"; readonly record: ModelRecord | undefined };

/**
 * Registers this instance's copy in the model record (§6.2 step 5): `instanceIds[self] = loadTs`,
 * our failure dropped, `lu` moved forward. When other instances' registrations changed since
 * routing read the record, nothing is written and the fresh record comes back (INSTANCES_CHANGED).
 */
export async function registerCopy(
  ctx: MeshContext,
  args: {
    readonly modelId: string;
    readonly seen: ModelRecord | undefined;
    readonly loadTimestampMs: number;
    readonly lastUsedMs: number;
  },
): Promise<RegisterCopyResult> {
  let changed: ModelRecord | undefined;
  let gone = false;
  const now = ctx.clock.nowMs();
  await ctx.registry.update(
    args.modelId,
    (current) => {
      if (current === undefined) {
        gone = true;
        return undefined;
      }
      if (args.seen !== undefined && othersChanged(args.seen, current.value, ctx.selfId)) {
        changed = current.value;
        return undefined;
      }
      const withCopy = addCopy(current.value, ctx.selfId, args.loadTimestampMs);
      return { put: updateLastUsed(withCopy, Math.max(0, args.lastUsedMs), now) };
    },
    start(ctx, args.modelId),
  );
  if (gone) return { kind: "changed", record: undefined };
  if (changed !== undefined) return { kind: "changed", record: changed };
  return { kind: "registered" };
}

/**
 * Removes this instance's copy registered at `loadTimestampMs` (any when undefined), moving `lu`
 * forward to `lastUsedMs` (§4.6). Returns the record as it is afterwards.
 */
export async function deregisterCopy(
  ctx: MeshContext,
  args: { readonly modelId: string; readonly loadTimestampMs?: number; readonly lastUsedMs?: number },
): Promise<ModelRecord | undefined> {
  const now = ctx.clock.nowMs();
  const result = await ctx.registry.update(
    args.modelId,
    (current) => {
      if (current === undefined) return undefined;
      let next = removeCopy(current.value, {
        instanceId: ctx.selfId,
        nowMs: now,
        ...(args.loadTimestampMs === undefined ? {} : { loadStartMs: args.loadTimestampMs }),
      });
      if (next === current.value) return undefined;
      if (args.lastUsedMs !== undefined && args.lastUsedMs > 0)
        next = updateLastUsed(next, args.lastUsedMs, now);
      return { put: next };
    },
    start(ctx, args.modelId),
  );
  return result.outcome === "written"
    ? result.value
    : result.outcome === "unchanged"
      ? result.current?.value
      : undefined;
}

/**
 * Records this instance's load failure (§6.4): our copy removed, `failedIn[self] = failedAtMs`
 * with the message. Only when the record still lists the copy registered at `loadTimestampMs`.
 */
export async function recordLoadFailure(
  ctx: MeshContext,
  args: {
    readonly modelId: string;
    readonly loadTimestampMs: number;
    readonly failedAtMs: number;
    readonly message: string;
  },
): Promise<void> {
  await ctx.registry.update(
    args.modelId,
    (current) => {
      if (current === undefined) return undefined;
      if (current.value.instanceIds[ctx.selfId] !== args.loadTimestampMs) return undefined;
      return {
        put: addLoadFailure(current.value, {
          instanceId: ctx.selfId,
          failedAtMs: args.failedAtMs,
          message: args.message,
        }),
      };
    },
    start(ctx, args.modelId),
  );
}

/** Removes this instance's failure record (failure expiry, §6.4), only the one at `failedAtMs`. */
export async function clearLoadFailure(
  ctx: MeshContext,
  args: { readonly modelId: string; readonly failedAtMs?: number },
): Promise<void> {
  await ctx.registry.update(
    args.modelId,
    (current) => {
      if (current === undefined) return undefined;
      const next = removeLoadFailure(current.value, ctx.selfId, args.failedAtMs);
      return next === current.value ? undefined : { put: next };
    },
    start(ctx, args.modelId),
  );
}

/** Re-adds this instance's registration of a loaded copy the registry lost (janitor, §4.8). */
export async function reRegisterCopy(
  ctx: MeshContext,
  args: { readonly modelId: string; readonly loadTimestampMs: number },
): Promise<void> {
  await ctx.registry.update(
    args.modelId,
    (current) => {
      if (current === undefined) return undefined;
      if (current.value.instanceIds[ctx.selfId] === args.loadTimestampMs) return undefined;
      return { put: addCopy(current.value, ctx.selfId, args.loadTimestampMs) };
    },
    start(ctx, args.modelId),
  );
}
