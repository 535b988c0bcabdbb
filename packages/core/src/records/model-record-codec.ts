import type { RecordCodec } from "./codec.js";
import {
  EMPTY_MAP,
  invalidData,
  isJsonObject,
  parseJsonObject,
  readBoolean,
  readInteger,
  readString,
  readTimestampMap,
  setOwn,
  unknownFields,
} from "./json-read.js";
import { JsonObjectWriter } from "./json-write.js";
import type { ModelRecord } from "./types.js";

/** The model type a stored record without `type` has (legacy records, §1.3). */
export const DEFAULT_MODEL_TYPE = "NLCLASSIFIER";

const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  "type",
  "mPath",
  "encKey",
  "instanceIds",
  "failedIn",
  "fails",
  "refs",
  "autoDel",
  "lu",
  "lul",
]);

/**
 * Codec of `registry/<modelId>` records (§1.3), field for field as the original writes them:
 * defaults omitted, maps with sorted keys, failure messages as `{ "<iid>": { "msg": "..." } }`,
 * unknown fields (such as `actionable`) kept in `extra` and written back.
 */
export const modelRecordCodec: RecordCodec<ModelRecord> = {
  decode: decodeModelRecord,
  encode: encodeModelRecord,
};

function decodeModelRecord(text: string, key: string): ModelRecord {
  const json = parseJsonObject(text, key);
  const extra = unknownFields(json, KNOWN_FIELDS);
  const path = readString(json.mPath, "mPath", key);
  const modelKey = readString(json.encKey, "encKey", key);
  return {
    type: readString(json.type, "type", key) ?? DEFAULT_MODEL_TYPE,
    // The original normalises empty strings to absent.
    ...(path ? { path } : {}),
    ...(modelKey ? { key: modelKey } : {}),
    instanceIds: readTimestampMap(json.instanceIds, "instanceIds", key),
    failedIn: readTimestampMap(json.failedIn, "failedIn", key),
    failureMessages: readFailureMessages(json.fails, key),
    refs: readInteger(json.refs, "refs", key),
    autoDelete: readBoolean(json.autoDel, "autoDel", key),
    lastUsedMs: readInteger(json.lu, "lu", key),
    lastUnloadMs: readInteger(json.lul, "lul", key),
    extra: extra ?? EMPTY_MAP,
  };
}

/** `fails`: instance id → `{ "msg": "..." }` (`{}` when the message is empty). */
function readFailureMessages(value: unknown, key: string): Readonly<Record<string, string>> {
  if (value === undefined || value === null) return EMPTY_MAP;
  if (!isJsonObject(value)) throw invalidData(key, 'field "fails" must be an object');
  let messages: Record<string, string> | undefined;
  for (const instanceId in value) {
    const info = value[instanceId];
    if (!isJsonObject(info)) throw invalidData(key, `field "fails.${instanceId}" must be an object`);
    messages ??= {};
    setOwn(messages, instanceId, readString(info.msg, `fails.${instanceId}.msg`, key) ?? "");
  }
  return messages ?? EMPTY_MAP;
}

function encodeModelRecord(record: ModelRecord): string {
  const writer = new JsonObjectWriter()
    .string("type", record.type)
    .string("mPath", record.path)
    .string("encKey", record.key)
    .timestampMap("instanceIds", record.instanceIds)
    .timestampMap("failedIn", record.failedIn);
  const failIds = Object.keys(record.failureMessages);
  if (failIds.length > 0) {
    const members = failIds.sort().map((id) => {
      const message = record.failureMessages[id] ?? "";
      return `${JSON.stringify(id)}:${message === "" ? "{}" : `{"msg":${JSON.stringify(message)}}`}`;
    });
    writer.raw("fails", `{${members.join(",")}}`);
  }
  return writer
    .integer("refs", record.refs)
    .boolean("autoDel", record.autoDelete)
    .integer("lu", record.lastUsedMs)
    .integer("lul", record.lastUnloadMs)
    .extra(record.extra, KNOWN_FIELDS)
    .toString();
}
