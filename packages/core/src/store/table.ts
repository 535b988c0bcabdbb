import { MeshError } from "../errors.js";
import type { Logger } from "../ports/logger.js";
import type { RecordCodec } from "../records/codec.js";
import type { StoreCallOptions } from "./call-options.js";
import { type CasDecision, type CasUpdateOptions, type CasUpdateResult, casUpdate } from "./cas-update.js";
import { decodeVersioned } from "./decode.js";
import { type StoreLayout, type StoreTableName, tableKeyPrefix } from "./key-layout.js";
import type { KvConflict, KvEntry, KvStore } from "./kv-store.js";
import type { LocalWrites } from "./local-writes.js";
import { openTableMirror, type TableMirror } from "./table-mirror.js";
import type { CasOutcome, Versioned } from "./versioned.js";

/** A conditional write of one record: `expectedRevision` 0 = create (must be absent). */
export interface TablePut<T> {
  readonly id: string;
  readonly value: T;
  readonly expectedRevision: number;
}

/** Every decodable record of a table, read at one revision. */
export interface TableSnapshot<T> {
  readonly records: ReadonlyMap<string, Versioned<T>>;
  /** Keys whose value could not be decoded (logged and skipped). */
  readonly invalidKeys: readonly string[];
  readonly revision: number;
}

/**
 * One table of the mesh's store (`registry`, `vmodels`, `instances`, `config`, `leaderLatch`) with
 * its records decoded by a {@link RecordCodec}. Writes are compare-and-set on the record's revision
 * (§1.6); a successful write is visible at once in this process's mirrors of the table.
 */
export interface KvTable<T> {
  readonly name: StoreTableName;
  /** Key prefix, e.g. `/tas-runtime/<service>/registry/`. */
  readonly prefix: string;
  readonly codec: RecordCodec<T>;
  /** Key of a record id. */
  keyOf(id: string): string;
  /** Reads one record from the store (linearizable). Undecodable data rejects with `INVALID_DATA`. */
  get(id: string, options?: StoreCallOptions): Promise<Versioned<T> | undefined>;
  /** Reads the whole table at one revision; undecodable records are logged and listed, not returned. */
  list(options?: StoreCallOptions): Promise<TableSnapshot<T>>;
  /** Creates a record that must not exist yet. */
  create(id: string, value: T, options?: StoreCallOptions): Promise<CasOutcome<T>>;
  /** Writes a record if it is still at `expectedRevision`. */
  putIfRevision(put: TablePut<T>, options?: StoreCallOptions): Promise<CasOutcome<T>>;
  /** Deletes a record if it is still at `expectedRevision` (> 0). */
  deleteIfRevision(id: string, expectedRevision: number, options?: StoreCallOptions): Promise<CasOutcome<T>>;
  /**
   * The read-modify-write loop of §1.6: `decide` gets the current record and says what to write;
   * on a conflict it is asked again with the fresh record. See {@link casUpdate}.
   */
  update(
    id: string,
    decide: (current: Versioned<T> | undefined) => CasDecision<T>,
    options?: CasUpdateOptions<T>,
  ): Promise<CasUpdateResult<T>>;
  /** Opens an in-memory mirror of the table (see {@link TableMirror}). */
  mirror(): TableMirror<T>;
}

/** What a table needs from the mesh store. @internal */
export interface TableContext {
  readonly kv: KvStore;
  readonly layout: StoreLayout;
  readonly logger: Logger;
  readonly localWrites: LocalWrites;
}

/** Creates a typed table. @internal (use `MeshStore.table()`) */
export function createKvTable<T>(
  context: TableContext,
  name: StoreTableName,
  codec: RecordCodec<T>,
): KvTable<T> {
  const prefix = tableKeyPrefix(context.layout, name);
  const { kv, localWrites } = context;
  const keyOf = (id: string) => {
    if (typeof id !== "string" || id.length === 0) {
      throw new MeshError("INVALID_ARGUMENT", `a ${name} record id must be a non-empty string`);
    }
    return prefix + id;
  };
  const decodeEntry = (entry: KvEntry): Versioned<T> => decodeVersioned(codec, entry);
  const conflict = (outcome: KvConflict): CasOutcome<T> => ({
    ok: false,
    current: outcome.current === undefined ? undefined : decodeEntry(outcome.current),
  });
  const table: KvTable<T> = {
    name,
    prefix,
    codec,
    keyOf,
    async get(id, options) {
      const entry = await kv.get(keyOf(id), options);
      return entry === undefined ? undefined : decodeEntry(entry);
    },
    async list(options) {
      const range = await kv.range(prefix, options);
      return decodeRange(range.entries, { prefix, codec, logger: context.logger, revision: range.revision });
    },
    create(id, value, options) {
      return table.putIfRevision({ id, value, expectedRevision: 0 }, options);
    },
    async putIfRevision(put, options) {
      const key = keyOf(put.id);
      const text = codec.encode(put.value);
      const outcome = await kv.putIfRevision(
        { key, value: text, expectedRevision: put.expectedRevision },
        options,
      );
      if (!outcome.ok) return conflict(outcome);
      localWrites.put({ key, text, revision: outcome.revision, expectedRevision: put.expectedRevision });
      return outcome;
    },
    async deleteIfRevision(id, expectedRevision, options) {
      const key = keyOf(id);
      const outcome = await kv.deleteIfRevision({ key, expectedRevision }, options);
      if (!outcome.ok) return conflict(outcome);
      localWrites.delete(key, outcome.revision);
      return outcome;
    },
    update(id, decide, options) {
      return casUpdate(table, { id, decide }, options);
    },
    mirror() {
      return openTableMirror({ kv, prefix, codec, logger: context.logger, localWrites });
    },
  };
  return Object.freeze(table);
}

function decodeRange<T>(
  entries: readonly KvEntry[],
  context: { prefix: string; codec: RecordCodec<T>; logger: Logger; revision: number },
): TableSnapshot<T> {
  const records = new Map<string, Versioned<T>>();
  const invalidKeys: string[] = [];
  for (const entry of entries) {
    const id = entry.key.slice(context.prefix.length);
    try {
      const value = context.codec.decode(entry.value, entry.key);
      records.set(id, { value, revision: entry.modRevision, createRevision: entry.createRevision });
    } catch (error) {
      invalidKeys.push(entry.key);
      const reason = error instanceof Error ? error.message : String(error);
      context.logger.warn({ key: entry.key, reason }, "skipping a stored record that cannot be decoded");
    }
  }
  return { records, invalidKeys, revision: context.revision };
}
