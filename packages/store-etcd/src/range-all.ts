import type { KvEntry, KvRange } from "@modelmesh/core";
import { castGrpcError, EtcdInvalidAuthTokenError, type IKeyValue } from "etcd3";
import type { AdapterEtcd3, UnaryCaller } from "./etcd-client.js";
import type { KeyCodec } from "./keys.js";
import {
  encodeRangeRequest,
  type RangeWirePage,
  type RangeWireRequest,
  scanRangeResponse,
} from "./range-wire.js";

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
  readonly client: AdapterEtcd3;
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
  const entries: KvEntry[] = [];
  const revision = await readPagesRetrying(options, () => {
    entries.length = 0;
    return (page) => page.decodeEntries(entries);
  });
  return { entries, revision };
}

/** Receives the pages of a range as they arrive, with the revision they are all read at. */
export type RangePageSink = (page: RangeWirePage, revision: number) => void;

/**
 * Reads every key under a prefix like {@link rangeAll}, handing each page to a sink as soon as it
 * has arrived (while etcd already works on the next one) instead of collecting entries. `freshSink`
 * is called before each attempt: when the read starts over (compacted revision), what the
 * previous sink received must be dropped. Returns the revision of the read.
 */
export function readRangePages(options: RangeAllOptions, freshSink: () => RangePageSink): Promise<number> {
  return readPagesRetrying(options, freshSink);
}

/** Runs {@link readPages}, starting over (with a fresh page sink) when the revision was compacted. */
async function readPagesRetrying(options: RangeAllOptions, freshSink: () => RangePageSink): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await readPages(options, freshSink());
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

/** Reads the pages in order and hands each to `sink`; returns the revision they were read at. */
async function readPages(options: RangeAllOptions, sink: RangePageSink): Promise<number> {
  const { key: start, range_end: rangeEnd } = options.keys.prefixRange(options.prefix);
  const readPage = (key: Buffer, revision: number) =>
    readRangePage(options, { key, rangeEnd, limit: options.pageSize, revision });
  let page = await readPage(start, 0);
  const { revision } = page;
  for (;;) {
    if (!page.more || page.lastKey === undefined) {
      sink(page, revision);
      return revision;
    }
    // Ask for the next page (starting right after the last key read) before handling this one,
    // so etcd works on it meanwhile. Its failure surfaces at the await below.
    const next = readPage(Buffer.concat([page.lastKey, Buffer.from([0])]), revision);
    next.catch(() => undefined);
    sink(page, revision);
    page = await next;
  }
}

/**
 * One page, read with the raw `KV.Range` call and decoded straight into entries. When the auth
 * token has expired the page is read through the client's own call, which renews the token.
 */
async function readRangePage(options: RangeAllOptions, request: RangeWireRequest): Promise<RangeWirePage> {
  const { client, keys, deadlineMs } = options;
  try {
    return await client.connections.withConnection("KV", ({ client: kv, metadata }) =>
      rawRange(kv, metadata, request, keys.rootLength, deadlineMs),
    );
  } catch (error) {
    if (!(error instanceof EtcdInvalidAuthTokenError)) throw error;
  }
  const response = await client.kv.range(
    {
      key: request.key,
      range_end: request.rangeEnd,
      limit: request.limit,
      ...(request.revision === 0 ? {} : { revision: request.revision }),
    },
    { deadline: deadlineMs },
  );
  return {
    revision: Number(response.header.revision),
    more: response.more,
    lastKey: response.kvs.at(-1)?.key,
    decodeEntries: (into) => {
      for (const kv of response.kvs) into.push(toKvEntry(keys, kv));
    },
    *entries() {
      for (const kv of response.kvs) yield toKvEntry(keys, kv);
    },
  };
}

function rawRange(
  kv: UnaryCaller,
  metadata: object,
  request: RangeWireRequest,
  keyOffset: number,
  deadline: number,
): Promise<RangeWirePage> {
  return new Promise((resolve, reject) => {
    kv.makeUnaryRequest<RangeWireRequest, Buffer>(
      RANGE_METHOD,
      encodeRangeRequest,
      (message) => message,
      request,
      metadata,
      { deadline },
      (error, message) => {
        if (error) reject(castGrpcError(error));
        else if (message === undefined) reject(new Error("etcd sent no range response"));
        else {
          try {
            resolve(scanRangeResponse(message, keyOffset));
          } catch (decodeError) {
            reject(decodeError);
          }
        }
      },
    );
  });
}

const RANGE_METHOD = "/etcdserverpb.KV/Range";
