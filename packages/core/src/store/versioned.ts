/** A decoded record with the store revisions it was read at. */
export interface Versioned<T> {
  readonly value: T;
  /** The record's mod revision: pass it as `expectedRevision` to update or delete it (§1.6). */
  readonly revision: number;
  /** Revision at which the key was created. */
  readonly createRevision: number;
}

/**
 * Outcome of a typed compare-and-set: the new revision, or the conflict with the record as it is
 * now (`undefined`: absent), so the caller can re-apply its change and try again (§1.6).
 */
export type CasOutcome<T> =
  | { readonly ok: true; readonly revision: number }
  | { readonly ok: false; readonly current: Versioned<T> | undefined };
