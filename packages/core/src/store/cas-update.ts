import { hasMeshErrorCode, MeshError } from "../errors.js";
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
 * applied (return `undefined`). Timeouts and the signal apply to every store call of the loop.
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
  const callOptions: StoreCallOptions = {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  let current = options.start === undefined ? await table.get(id, callOptions) : options.start.current;
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(options.signal);
    const decision = decide(current);
    if (decision === undefined) return { outcome: "unchanged", current };
    let written: Written<T>;
    try {
      written = await write(table, { id, decision, current }, callOptions);
    } catch (error) {
      if (!hasMeshErrorCode(error, "STORE_UNAVAILABLE") || attempt >= maxAttempts) throw error;
      current = await table.get(id, callOptions);
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
