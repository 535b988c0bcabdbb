import type { RecordCodec } from "./codec.js";
import {
  EMPTY_MAP,
  internExtraFields,
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
  const type = readString(json.type, "type", key);
  const path = readString(json.mPath, "mPath", key);
  const modelKey = readString(json.encKey, "encKey", key);
  const instanceIds = readTimestampMap(json.instanceIds, "instanceIds", key);
  const failedIn = readTimestampMap(json.failedIn, "failedIn", key);
  const failureMessages = readFailureMessages(json.fails, key);
  const refs = readInteger(json.refs, "refs", key);
  const autoDelete = readBoolean(json.autoDel, "autoDel", key);
  const lastUsedMs = readInteger(json.lu, "lu", key);
  const lastUnloadMs = readInteger(json.lul, "lul", key);
  // One object literal per combination of the optional fields, no spreads: a mirror holds
  // 100,000 of these, each should be one small object of one of four shapes (field order as
  // before). The original normalises empty strings (path, key) to absent.
  const t = type === undefined ? DEFAULT_MODEL_TYPE : internModelType(type);
  const x = extra === undefined ? EMPTY_MAP : internExtraFields(extra);
  if (path && modelKey) {
    return {
      type: t,
      path,
      key: modelKey,
      instanceIds,
      failedIn,
      failureMessages,
      refs,
      autoDelete,
      lastUsedMs,
      lastUnloadMs,
      extra: x,
    };
  }
  if (path) {
    return {
      type: t,
      path,
      instanceIds,
      failedIn,
      failureMessages,
      refs,
      autoDelete,
      lastUsedMs,
      lastUnloadMs,
      extra: x,
    };
  }
  if (modelKey) {
    return {
      type: t,
      key: modelKey,
      instanceIds,
      failedIn,
      failureMessages,
      refs,
      autoDelete,
      lastUsedMs,
      lastUnloadMs,
      extra: x,
    };
  }
  return {
    type: t,
    instanceIds,
    failedIn,
    failureMessages,
    refs,
    autoDelete,
    lastUsedMs,
    lastUnloadMs,
    extra: x,
  };
}

/**
 * Model types repeat across a registry (a handful of values for 100,000 models); JSON.parse only
 * shares strings of up to 10 characters, so longer ones are shared here. Bounded: an unexpected
 * variety of types just stops being shared.
 */
const modelTypes = new Map<string, string>();
function internModelType(type: string): string {
  if (type.length <= 10) return type;
  const known = modelTypes.get(type);
  if (known !== undefined) return known;
  if (modelTypes.size < 256) modelTypes.set(type, type);
  return type;
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
