import { MeshError } from "../errors.js";
import type { KvTransaction } from "./kv-store.js";

/**
 * Checks the arguments of a store call the same way in every adapter, so both behave alike on bad
 * input (`INVALID_ARGUMENT`, never a crash or a silent no-op). Not a stable API.
 * @internal
 */
export function assertValidKey(key: string): void {
  if (typeof key !== "string" || key.length === 0) {
    throw new MeshError("INVALID_ARGUMENT", "a store key must be a non-empty string");
  }
}

/**
 * Checks an expected revision: a non-negative safe integer, and positive when `allowZero` is false
 * (deletes: a missing key has nothing to delete).
 * @internal
 */
export function assertExpectedRevision(revision: number, options: { allowZero: boolean; key: string }): void {
  const valid = Number.isSafeInteger(revision) && (options.allowZero ? revision >= 0 : revision > 0);
  if (!valid) {
    const wanted = options.allowZero ? "an integer ≥ 0" : "an integer > 0";
    throw new MeshError(
      "INVALID_ARGUMENT",
      `expected revision of ${options.key} must be ${wanted}, got ${revision}`,
      {
        key: options.key,
      },
    );
  }
}

/**
 * Checks a transaction: valid keys and revisions, and no key written twice (etcd refuses that).
 * @internal
 */
export function assertValidTransaction(transaction: KvTransaction): void {
  for (const compare of transaction.compares) {
    assertValidKey(compare.key);
    assertExpectedRevision(compare.expectedRevision, { allowZero: true, key: compare.key });
  }
  const written = new Set<string>();
  for (const write of transaction.writes) {
    assertValidKey(write.key);
    if (written.has(write.key)) {
      throw new MeshError("INVALID_ARGUMENT", `a transaction may write ${write.key} only once`, {
        key: write.key,
      });
    }
    written.add(write.key);
  }
}
