import type { KvEntry, KvRange } from "@modelmesh/core";
import type { Etcd3, IKeyValue } from "etcd3";
import type { KeyCodec } from "./keys.js";

/** Converts an etcd key-value into the port's entry. */
export function toKvEntry(keys: KeyCodec, kv: IKeyValue): KvEntry {
  return {
    key: keys.decode(kv.key),
    value: kv.value.toString("utf8"),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
  };
}

/** Options of {@link rangeAll}. */
export interface RangeAllOptions {
  readonly client: Etcd3;
  readonly keys: KeyCodec;
  readonly prefix: string;
  /** Keys per request; large tables are read in pages so no response exceeds gRPC limits. */
  readonly pageSize: number;
  readonly deadlineMs: number;
}

/**
 * Reads every key under a prefix at one revision: the first page fixes the revision, the next
 * pages are read at that same revision (so the result is one consistent snapshot). If etcd
 * compacts that revision meanwhile, the read starts over at the newest revision.
 */
export async function rangeAll(options: RangeAllOptions): Promise<KvRange> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readPages(options);
    } catch (error) {
      if (
        attempt < 3 &&
        error instanceof Error &&
        error.message.includes("required revision has been compacted")
      )
        continue;
      throw error;
    }
  }
}

async function readPages(options: RangeAllOptions): Promise<KvRange> {
  const { client, keys, pageSize } = options;
  const { key: start, range_end } = keys.prefixRange(options.prefix);
  const readPage = (key: Buffer, revision: number) =>
    client.kv.range(
      { key, range_end, limit: pageSize, ...(revision === 0 ? {} : { revision }) },
      { deadline: options.deadlineMs },
    );
  const entries: KvEntry[] = [];
  let revision = 0;
  let pending = readPage(start, 0);
  for (;;) {
    const response = await pending;
    if (revision === 0) revision = Number(response.header.revision);
    const last = response.kvs.at(-1);
    if (!response.more || last === undefined) {
      for (const kv of response.kvs) entries.push(toKvEntry(keys, kv));
      return { entries, revision };
    }
    // Ask for the next page (starting right after the last key read) before converting this one,
    // so etcd works on it meanwhile. Its failure surfaces at the await above.
    pending = readPage(Buffer.concat([last.key, Buffer.from([0])]), revision);
    pending.catch(() => undefined);
    for (const kv of response.kvs) entries.push(toKvEntry(keys, kv));
  }
}
