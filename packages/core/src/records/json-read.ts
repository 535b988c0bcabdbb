import { MeshError } from "../errors.js";

/**
 * Reading helpers shared by the record codecs. Every failure is a `MeshError` with code
 * `INVALID_DATA` naming the store key, so a corrupt record never crashes a watcher.
 */

/** A parsed JSON object whose fields are still unchecked. */
export type JsonObject = Record<string, unknown>;

/**
 * Java's `Long.MAX_VALUE` (the original's "never" timestamp) parses to 2^63 in JavaScript; any
 * value this large is read as `Number.MAX_SAFE_INTEGER` instead (§1.4 `lruTime`).
 */
const FIRST_UNSAFE_INTEGER = 2 ** 53;

/** One shared, frozen empty map: most records have no failures and no unknown fields. */
export const EMPTY_MAP: Readonly<Record<string, never>> = Object.freeze({});

/** The `INVALID_DATA` error for `key`. */
export function invalidData(key: string, problem: string, cause?: unknown): MeshError {
  return new MeshError("INVALID_DATA", `stored record ${key} is invalid: ${problem}`, {
    key,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Parses `text` as a JSON object (not an array, not null). */
export function parseJsonObject(text: string, key: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidData(key, "not valid JSON", error);
  }
  if (!isJsonObject(value)) throw invalidData(key, "not a JSON object");
  return value;
}

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets an own property, also for the key `__proto__` (plain assignment would change the
 * prototype instead; record maps are keyed by ids we do not control).
 */
export function setOwn(target: Record<string, unknown>, name: string, value: unknown): void {
  if (name === "__proto__") {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[name] = value;
  }
}

/** The fields of `json` not in `known` (kept so they are written back), or undefined when none. */
export function unknownFields(
  json: JsonObject,
  known: ReadonlySet<string>,
): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const field in json) {
    if (!known.has(field)) {
      extra ??= {};
      setOwn(extra, field, json[field]);
    }
  }
  return extra;
}

/**
 * Shares `extra` objects that hold exactly one boolean field, such as the `"actionable": true`
 * every record of the original carries: one frozen object per distinct field and value instead of
 * one per record. Anything else is returned as it is.
 */
export function internExtraFields(extra: Record<string, unknown>): Readonly<Record<string, unknown>> {
  let only: string | undefined;
  for (const field in extra) {
    if (only !== undefined) return extra;
    only = field;
  }
  if (only === undefined || only === "__proto__") return extra;
  const value = extra[only];
  if (typeof value !== "boolean") return extra;
  const shared = value ? sharedTrue : sharedFalse;
  let object = shared.get(only);
  if (object === undefined) {
    if (shared.size >= 64) return extra;
    object = Object.freeze(extra);
    shared.set(only, object);
  }
  return object;
}
const sharedTrue = new Map<string, Readonly<Record<string, unknown>>>();
const sharedFalse = new Map<string, Readonly<Record<string, unknown>>>();

/** A string field; null or absent → undefined. */
export function readString(value: unknown, field: string, key: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidData(key, `field "${field}" must be a string`);
  return value;
}

/** A boolean field; null or absent → false (Jackson's default). */
export function readBoolean(value: unknown, field: string, key: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalidData(key, `field "${field}" must be a boolean`);
  return value;
}

/**
 * An integer field (Java `int`/`long`); null or absent → 0. Fractions are truncated as Jackson
 * does; values beyond 2^53 (Java's `Long.MAX_VALUE`) become `Number.MAX_SAFE_INTEGER`.
 */
export function readInteger(value: unknown, field: string, key: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalidData(key, `field "${field}" must be a number`);
  }
  return toSafeInteger(value);
}

function toSafeInteger(value: number): number {
  if (value >= FIRST_UNSAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  if (value <= -FIRST_UNSAFE_INTEGER) return Number.MIN_SAFE_INTEGER;
  return Math.trunc(value);
}

/**
 * A map of id → epoch-ms timestamp (`instanceIds`, `failedIn`). The parsed object is reused
 * (values normalised in place) to keep 100,000 decoded records small; empty → {@link EMPTY_MAP}.
 */
export function readTimestampMap(
  value: unknown,
  field: string,
  key: string,
): Readonly<Record<string, number>> {
  if (value === undefined || value === null) return EMPTY_MAP;
  if (!isJsonObject(value)) throw invalidData(key, `field "${field}" must be an object`);
  let empty = true;
  for (const id in value) {
    empty = false;
    const timestamp = value[id];
    if (typeof timestamp !== "number" || !Number.isFinite(timestamp)) {
      throw invalidData(key, `field "${field}.${id}" must be a number`);
    }
    const normalised = toSafeInteger(timestamp);
    if (normalised !== timestamp) setOwn(value, id, normalised);
  }
  return empty ? EMPTY_MAP : (value as Record<string, number>);
}

/** An array of strings (`labels`); null or absent → []. */
export function readStringArray(value: unknown, field: string, key: string): readonly string[] {
  if (value === undefined || value === null) return EMPTY_ARRAY;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalidData(key, `field "${field}" must be an array of strings`);
  }
  return value.length === 0 ? EMPTY_ARRAY : (value as string[]);
}

const EMPTY_ARRAY: readonly string[] = Object.freeze([]);
