import { ModelFileError } from "./types.js";

/** A parsed JSON object whose fields are read with the checked getters below. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Field readers that fail with a {@link ModelFileError} naming the file and the field. */
export interface FieldReader {
  readonly source: string;
  /** Throws a {@link ModelFileError} naming the file. */
  fail(message: string): never;
  object(value: unknown, what: string): JsonObject;
  string(obj: JsonObject, field: string): string;
  number(obj: JsonObject, field: string): number;
  numbers(obj: JsonObject, field: string, length?: number): number[];
  strings(obj: JsonObject, field: string, minLength?: number): string[];
  array(obj: JsonObject, field: string): readonly unknown[];
  /** A `rows × cols` array of number arrays, flattened row-major. */
  matrix(obj: JsonObject, field: string, rows: number, cols: number): Float64Array;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** Creates a {@link FieldReader} for one model file (`source` is its path, used in messages). */
export function fieldReader(source: string): FieldReader {
  const fail = (message: string): never => {
    throw new ModelFileError(`${source}: ${message}`);
  };
  const reader: FieldReader = {
    source,
    fail,
    object(value, what) {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return fail(`${what} must be a JSON object`);
      }
      return value as JsonObject;
    },
    string(obj, field) {
      const value = obj[field];
      return typeof value === "string" && value.length > 0
        ? value
        : fail(`"${field}" must be a non-empty string`);
    },
    number(obj, field) {
      const value = obj[field];
      return isFiniteNumber(value) ? value : fail(`"${field}" must be a finite number`);
    },
    numbers(obj, field, length) {
      const value = reader.array(obj, field);
      if (!value.every(isFiniteNumber)) fail(`"${field}" must hold only finite numbers`);
      if (length !== undefined && value.length !== length) {
        fail(`"${field}" must hold ${length} numbers, not ${value.length}`);
      }
      return value as number[];
    },
    strings(obj, field, minLength = 1) {
      const value = reader.array(obj, field);
      if (!value.every((v) => typeof v === "string" && v.length > 0)) {
        fail(`"${field}" must hold only non-empty strings`);
      }
      if (value.length < minLength) fail(`"${field}" must hold at least ${minLength} entries`);
      return value as string[];
    },
    array(obj, field) {
      const value = obj[field];
      return Array.isArray(value) ? value : fail(`"${field}" must be an array`);
    },
    matrix(obj, field, rows, cols) {
      const value = reader.array(obj, field);
      if (value.length !== rows) fail(`"${field}" must hold ${rows} rows, not ${value.length}`);
      const out = new Float64Array(rows * cols);
      value.forEach((row, r) => {
        const ok = Array.isArray(row) && row.length === cols && row.every(isFiniteNumber);
        if (!ok) fail(`"${field}"[${r}] must hold ${cols} finite numbers`);
        out.set(row as number[], r * cols);
      });
      return out;
    },
  };
  return reader;
}
