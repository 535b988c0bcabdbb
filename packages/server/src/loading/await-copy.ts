import { isServable, MeshError } from "@modelmesh/core";
import type { CopyEntry } from "../cache/copy-data.js";
import type { MeshContext } from "../mesh-context.js";
import { REQUEST_PRIORITY_AHEAD_MS } from "./load-local.js";

/** How a caller waits for a copy that is still loading. */
export interface AwaitCopyOptions {
  /** Absolute deadline (epoch ms, `Date.now()` clock), if the caller has one. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
  /** A client request waits: raise a queued background load to request priority (§6.3). */
  readonly requestDriven: boolean;
}

/** The error of a wait the caller's deadline or cancellation ended (§2.12). */
export function interrupted(reason: "deadline" | "cancelled"): MeshError {
  return reason === "deadline"
    ? new MeshError("DEADLINE_EXCEEDED", "Request interrupted due to deadline expiry")
    : new MeshError("CANCELLED", "Request interrupted due to cancellation");
}

/**
 * Waits until a local copy is servable (§2.8): at most `5 × loadTimeout`, the caller's deadline
 * or until it cancels. Rejects with the load failure (LOAD_FAILED), not-here when the entry left
 * the cache, or the interruption.
 */
export async function awaitServable(
  ctx: MeshContext,
  entry: CopyEntry,
  options: AwaitCopyOptions,
): Promise<void> {
  const state = entry.state;
  if (isServable(state.kind)) return;
  if (state.kind === "FAILED") {
    throw new MeshError("LOAD_FAILED", state.message, { instanceId: ctx.selfId, modelId: entry.id });
  }
  const data = entry.data;
  const now = ctx.clock.nowMs();
  if (options.requestDriven && data.ticket !== undefined && data.ticket.priority < now + 3_600_000) {
    ctx.queue.raise(data.ticket, now + REQUEST_PRIORITY_AHEAD_MS);
  }
  const limitMs = 5 * ctx.runtime.parameters.loadTimeoutMs;
  const deadlineLeft =
    options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : options.deadlineMs - Date.now();
  const waitMs = Math.min(limitMs, deadlineLeft);
  if (waitMs <= 0) throw interrupted("deadline");
  const signal = options.signal;
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: unknown) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(interrupted("cancelled"));
    const timer = setTimeout(
      () =>
        finish(
          waitMs === limitMs
            ? new MeshError("INTERNAL", `Timed out waiting for model ${entry.id} to load`)
            : interrupted("deadline"),
        ),
      waitMs === Number.POSITIVE_INFINITY ? 2 ** 31 - 1 : waitMs,
    );
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    data.loaded.promise.then(() => finish(), finish);
  });
}
