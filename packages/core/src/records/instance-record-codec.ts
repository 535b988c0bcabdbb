import type { RecordCodec } from "./codec.js";
import {
  EMPTY_MAP,
  parseJsonObject,
  readBoolean,
  readInteger,
  readString,
  readStringArray,
  unknownFields,
} from "./json-read.js";
import { JsonObjectWriter } from "./json-write.js";
import type { InstanceRecord } from "./types.js";

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  "startTime",
  "vers",
  "loc",
  "zone",
  "labels",
  "lruTime",
  "count",
  "cap",
  "used",
  "lThreads",
  "lInProg",
  "rpm",
  "shutdown",
  "iep",
]);

/**
 * Codec of `instances/<instanceId>` records (§1.4) plus our `iep` extension (the internal peer
 * endpoint). An empty cache's `lruTime` is Java's `Long.MAX_VALUE` in JSON and
 * `Number.MAX_SAFE_INTEGER` in the domain value; each is converted to the other.
 */
export const instanceRecordCodec: RecordCodec<InstanceRecord> = {
  decode: decodeInstanceRecord,
  encode: encodeInstanceRecord,
};

function decodeInstanceRecord(text: string, key: string): InstanceRecord {
  const json = parseJsonObject(text, key);
  const extra = unknownFields(json, KNOWN_FIELDS);
  const location = readString(json.loc, "loc", key);
  const zone = readString(json.zone, "zone", key);
  const internalEndpoint = readString(json.iep, "iep", key);
  return {
    startTimeMs: readInteger(json.startTime, "startTime", key),
    version: readInteger(json.vers, "vers", key),
    ...(location ? { location } : {}),
    ...(zone ? { zone } : {}),
    labels: sortedLabels(readStringArray(json.labels, "labels", key)),
    lruTimeMs: readInteger(json.lruTime, "lruTime", key),
    count: readInteger(json.count, "count", key),
    capacityUnits: readInteger(json.cap, "cap", key),
    usedUnits: readInteger(json.used, "used", key),
    loadingThreads: readInteger(json.lThreads, "lThreads", key),
    loadsInProgress: readInteger(json.lInProg, "lInProg", key),
    rpm: readInteger(json.rpm, "rpm", key),
    shutdown: readBoolean(json.shutdown, "shutdown", key),
    ...(internalEndpoint ? { internalEndpoint } : {}),
    extra: extra ?? EMPTY_MAP,
  };
}

/** The original keeps labels sorted (type constraints compare them); so do we. */
function sortedLabels(labels: readonly string[]): readonly string[] {
  for (let i = 1; i < labels.length; i++) {
    if ((labels[i - 1] ?? "") > (labels[i] ?? "")) return [...labels].sort();
  }
  return labels;
}

function encodeInstanceRecord(record: InstanceRecord): string {
  const writer = new JsonObjectWriter()
    .integer("startTime", record.startTimeMs)
    .integer("vers", record.version)
    .string("loc", record.location)
    .string("zone", record.zone);
  if (record.labels.length > 0) writer.raw("labels", JSON.stringify(record.labels));
  return writer
    .integer("lruTime", record.lruTimeMs)
    .integer("count", record.count)
    .integer("cap", record.capacityUnits)
    .integer("used", record.usedUnits)
    .integer("lThreads", record.loadingThreads)
    .integer("lInProg", record.loadsInProgress)
    .integer("rpm", record.rpm)
    .boolean("shutdown", record.shutdown)
    .string("iep", record.internalEndpoint)
    .extra(record.extra, KNOWN_FIELDS)
    .toString();
}
