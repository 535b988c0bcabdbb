import { MeshError } from "../errors.js";
import type { StoreCallOptions } from "./call-options.js";
import { decodeVersioned } from "./decode.js";
import type { KvEntry, KvStore, KvWrite } from "./kv-store.js";
import type { LocalWrites } from "./local-writes.js";
import type { KvTable } from "./table.js";
import type { Versioned } from "./versioned.js";

/**
 * One record of a multi-key transaction: compare its revision (0 = must be absent) and optionally
 * put or delete it. Build it with {@link txnOp}.
 */
export interface TxnOp<T> {
  readonly key: string;
  readonly expectedRevision: number;
  /** The encoded write, if any. */
  readonly write: KvWrite | undefined;
  /** Decodes the record's current entry after a failed transaction. */
  readonly decode: (entry: KvEntry) => Versioned<T>;
}

/** What a {@link txnOp} does with its record besides comparing it. */
export type TxnOpRequest<T> =
  | { readonly id: string; readonly expectedRevision: number }
  | { readonly id: string; readonly expectedRevision: number; readonly put: T }
  | { readonly id: string; readonly expectedRevision: number; readonly delete: true };

/**
 * Outcome of a transaction: the revision it was applied at, or the records as they are now so
 * the caller can retry with fresh values (§1.6 "Multi-key transactions").
 */
export type TxnOutcome =
  | { readonly ok: true; readonly revision: number }
  | {
      readonly ok: false;
      /** The current record of one of the transaction's ops (undefined: absent). */
      current<T>(op: TxnOp<T>): Versioned<T> | undefined;
    };

/** Builds one op of a transaction over a typed table. */
export function txnOp<T>(table: KvTable<T>, request: TxnOpRequest<T>): TxnOp<T> {
  const key = table.keyOf(request.id);
  const write: KvWrite | undefined =
    "put" in request
      ? { type: "put", key, value: table.codec.encode(request.put) }
      : "delete" in request
        ? { type: "delete", key }
        : undefined;
  return {
    key,
    expectedRevision: request.expectedRevision,
    write,
    decode: (entry) => decodeVersioned(table.codec, entry),
  };
}

/**
 * Runs ops atomically: every compare must hold, then every write is applied at one revision and
 * shown at once in this process's mirrors. @internal (use `MeshStore.transaction()`)
 */
export async function runTransaction(
  context: { readonly kv: KvStore; readonly localWrites: LocalWrites },
  ops: readonly TxnOp<unknown>[],
  options?: StoreCallOptions,
): Promise<TxnOutcome> {
  const writes = ops.flatMap((op) => (op.write === undefined ? [] : [op.write]));
  const outcome = await context.kv.transaction(
    { compares: ops.map((op) => ({ key: op.key, expectedRevision: op.expectedRevision })), writes },
    options,
  );
  if (outcome.ok) {
    for (const op of ops) {
      if (op.write?.type === "put") {
        const put = { key: op.key, text: op.write.value, revision: outcome.revision };
        context.localWrites.put({ ...put, expectedRevision: op.expectedRevision });
      } else if (op.write?.type === "delete") context.localWrites.delete(op.key, outcome.revision);
    }
    return outcome;
  }
  const current = outcome.current;
  return {
    ok: false,
    current<T>(op: TxnOp<T>) {
      if (!current.has(op.key)) {
        throw new MeshError("INVALID_ARGUMENT", `${op.key} was not part of this transaction`, {
          key: op.key,
        });
      }
      const entry = current.get(op.key);
      return entry === undefined ? undefined : op.decode(entry);
    },
  };
}
