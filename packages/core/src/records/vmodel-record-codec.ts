import type { RecordCodec } from "./codec.js";
import {
  EMPTY_MAP,
  invalidData,
  parseJsonObject,
  readBoolean,
  readString,
  unknownFields,
} from "./json-read.js";
import { JsonObjectWriter } from "./json-write.js";
import type { VModelRecord } from "./types.js";

const KNOWN_FIELDS: ReadonlySet<string> = new Set(["o", "amid", "tmid", "failed"]);

/**
 * Codec of `vmodels/<vModelId>` records (§1.5). The original always writes both model ids; a
 * record missing one of them is read with the other in its place (not transitioning), and a
 * record with neither is invalid.
 */
export const vmodelRecordCodec: RecordCodec<VModelRecord> = {
  decode: decodeVModelRecord,
  encode: encodeVModelRecord,
};

function decodeVModelRecord(text: string, key: string): VModelRecord {
  const json = parseJsonObject(text, key);
  const extra = unknownFields(json, KNOWN_FIELDS);
  const owner = readString(json.o, "o", key);
  const active = readString(json.amid, "amid", key) || undefined;
  const target = readString(json.tmid, "tmid", key) || undefined;
  const activeModelId = active ?? target;
  if (activeModelId === undefined) throw invalidData(key, 'fields "amid" and "tmid" are both missing');
  return {
    ...(owner ? { owner } : {}),
    activeModelId,
    targetModelId: target ?? activeModelId,
    targetFailed: readBoolean(json.failed, "failed", key),
    extra: extra ?? EMPTY_MAP,
  };
}

function encodeVModelRecord(record: VModelRecord): string {
  return new JsonObjectWriter()
    .string("o", record.owner)
    .string("amid", record.activeModelId)
    .string("tmid", record.targetModelId)
    .boolean("failed", record.targetFailed)
    .extra(record.extra, KNOWN_FIELDS)
    .toString();
}
