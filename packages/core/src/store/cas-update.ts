import { hasMeshErrorCode, MeshError } from "../errors.js";
import type { Clock } from "../ports/clock.js";
import { throwIfAborted } from "./abort.js";
import type { StoreCallOptions } from "./call-options.js";
import type { CasOutcome, Versioned } from "./versioned.js";

/** What {@link casUpdate} needs of a table (a `KvTable` is one). */
export interface CasTarget<T> {
  keyOf(id: string): string;
  get(id: string, options?: StoreCallOptions): Promise<Versioned<T> | undefined>;
  putIfRevision(
    put: { readonly id: string; readonly value: T; readonly expectedRevision: number },
    options?: StoreCallOptions,
  ): Promise<CasOutcome<T>>;
  deleteIfRevision(id: string, expectedRevision: number, options?: StoreCallOptions): Promise<CasOutcome<T>>;
}

/** What to do with a record: write this value, delete it, or leave it (`undefined`). */
export type CasDecision<T> = { readonly put: T } | { readonly delete: true } | undefined;

/** Options of {@link casUpdate}. */
export interface CasUpdateOptions<T> extends StoreCallOptions {
  /**
   * The record to start from when the caller already has it (typically from a mirror; `current:
   * undefined` = known absent). Default: read it from the store first.
   */
  readonly start?: { readonly current: Versioned<T> | undefined };
  /** Attempts before giving up with `STORE_CONFLICT`. Default 10. */
  readonly maxAttempts?: number;
  /**
   * With `timeoutMs`: the whole update (every read and write of the loop) must end within
   * `timeoutMs` of its start as this clock counts, each store call getting the time left, and it
   * fails with `STORE_UNAVAILABLE` once that is used up. Without a clock, `timeoutMs` bounds each
   * store call on its own.
   */
  readonly clock?: Clock;
}

/** Result of {@link casUpdate}. */
export type CasUpdateResult<T> =
  | { readonly outcome: "written"; readonly value: T; readonly revision: number }
  | { readonly outcome: "deleted"; readonly revision: number; readonly previous: Versioned<T> }
  | { readonly outcome: "unchanged"; readonly current: Versioned<T> | undefined };

/**
 * The update discipline of §1.6: read → decide → compare-and-set → on conflict decide again with
 * the record the store returned. When a write's outcome is unknown (`STORE_UNAVAILABLE`: timed
 * out, connection lost) it is never blindly repeated: the record is read again and `decide` runs
 * on what is actually stored, so `decide` should be written to recognise its own change already
 * applied (return `undefined`). The signal applies to every store call of the loop, and so does
 * `timeoutMs`: to the loop as a whole when a `clock` is given, else to each call.
 *
 * Throws `STORE_CONFLICT` after `maxAttempts` conflicts, and passes on other store errors.
 */
export async function casUpdate<T>(
  table: CasTarget<T>,
  request: { readonly id: string; readonly decide: (current: Versioned<T> | undefined) => CasDecision<T> },
  options: CasUpdateOptions<T> = {},
): Promise<CasUpdateResult<T>> {
  const { id, decide } = request;
  const maxAttempts = options.maxAttempts ?? 10;
  const callOptions = callBudget(table.keyOf(id), options);
  let current = options.start === undefined ? await table.get(id, callOptions()) : options.start.current;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    const decision = decide(current);
    if (decision === undefined) return { outcome: "unchanged", current };
    let written: Written<T>;
    try {
      written = await write(table, { id, decision, current }, callOptions());
    } catch (error) {
      if (!hasMeshErrorCode(error, "STORE_UNAVAILABLE") || attempt >= maxAttempts) throw error;
      current = await table.get(id, callOptions());
      continue;
    }
    if (written.done !== undefined) return written.done;
    if (attempt >= maxAttempts) {
      const key = table.keyOf(id);
      throw new MeshError("STORE_CONFLICT", `gave up updating ${key} after ${attempt} conflicting attempts`, {
        key,
      });
    }
    current = written.current;
  }
}

/**
 * The options of each store call of an update: the caller's signal, and the time left of its
 * `timeoutMs` (measured on `clock`, or the whole `timeoutMs` for each call without one). Throws
 * `STORE_UNAVAILABLE` once no time is left.
 */
function callBudget(key: string, options: CasUpdateOptions<unknown>): () => StoreCallOptions {
  const { signal, timeoutMs, clock } = options;
  const base = signal === undefined ? {} : { signal };
  if (timeoutMs === undefined) return () => base;
  if (clock === undefined) return () => ({ ...base, timeoutMs });
  const deadlineMs = clock.nowMs() + timeoutMs;
  return () => {
    const leftMs = deadlineMs - clock.nowMs();
    if (leftMs <= 0) {
      throw new MeshError(
        "STORE_UNAVAILABLE",
        `gave up updating ${key}: no store answer within ${timeoutMs} ms`,
        {
          key,
        },
      );
    }
    return { ...base, timeoutMs: leftMs };
  };
}

type Written<T> =
  | { readonly done: CasUpdateResult<T>; readonly current?: undefined }
  | { readonly done?: undefined; readonly current: Versioned<T> | undefined };

/** One compare-and-set attempt of a decision. */
async function write<T>(
  table: CasTarget<T>,
  attempt: {
    id: string;
    decision: { readonly put: T } | { readonly delete: true };
    current: Versioned<T> | undefined;
  },
  options: StoreCallOptions,
): Promise<Written<T>> {
  const { id, decision, current } = attempt;
  if ("put" in decision) {
    const expectedRevision = current?.revision ?? 0;
    const outcome = await table.putIfRevision({ id, value: decision.put, expectedRevision }, options);
    return outcome.ok
      ? { done: { outcome: "written", value: decision.put, revision: outcome.revision } }
      : { current: outcome.current };
  }
  if (current === undefined) return { done: { outcome: "unchanged", current } };
  const outcome = await table.deleteIfRevision(id, current.revision, options);
  return outcome.ok
    ? { done: { outcome: "deleted", revision: outcome.revision, previous: current } }
    : { current: outcome.current };
}
