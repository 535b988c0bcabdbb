import { inTransition, type TableMirror, type VModelRecord } from "@modelmesh/core";

/** Longest a `sync` setVModel waits for its transition (the original's bound). */
export const TRANSITION_WAIT_MS = 4 * 60_000;

function settled(vmodel: VModelRecord | undefined, targetModelId: string): boolean {
  return (
    vmodel === undefined ||
    vmodel.targetFailed ||
    vmodel.targetModelId !== targetModelId ||
    !inTransition(vmodel)
  );
}

/**
 * Waits until the vmodel's transition to `targetModelId` is over as this instance's mirror sees
 * it: completed, marked failed, re-targeted or deleted; or until `TRANSITION_WAIT_MS`, the
 * deadline (epoch ms) or the signal. Resolves with the record as it is then (never rejects: the
 * caller reports whatever state was reached).
 */
export function waitForTransition(
  mirror: TableMirror<VModelRecord>,
  vModelId: string,
  targetModelId: string,
  options: { readonly deadlineMs?: number; readonly signal?: AbortSignal },
): Promise<VModelRecord | undefined> {
  const current = () => mirror.get(vModelId)?.value;
  if (settled(current(), targetModelId) || options.signal?.aborted) return Promise.resolve(current());
  const waitMs = Math.max(
    0,
    Math.min(TRANSITION_WAIT_MS, (options.deadlineMs ?? Number.POSITIVE_INFINITY) - Date.now()),
  );
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener("abort", finish);
      resolve(current());
    };
    const timer = setTimeout(finish, waitMs);
    const unsubscribe = mirror.subscribe(() => {
      if (settled(current(), targetModelId)) finish();
    });
    options.signal?.addEventListener("abort", finish, { once: true });
  });
}
