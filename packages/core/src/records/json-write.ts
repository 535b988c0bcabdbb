import type { ExtraFields } from "./types.js";

/**
 * Writing helpers shared by the record codecs. Records are written field by field so that the
 * output follows the original's Jackson settings (§1.3: null, 0, false, "" and empty maps or
 * arrays are omitted) and so that "never" timestamps can be written as Java's `Long.MAX_VALUE`.
 */

/** Java's `Long.MAX_VALUE`, written literally: a JS number cannot hold it. */
const JAVA_LONG_MAX_TEXT = "9223372036854775807";

/** Collects `"name":value` members of one JSON object. */
export class JsonObjectWriter {
  readonly #members: string[] = [];

  /** Writes a string unless it is absent or empty. */
  string(name: string, value: string | undefined): this {
    if (value !== undefined && value !== "")
      this.#members.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
    return this;
  }

  /** Writes an integer unless it is 0; see {@link integerJson}. */
  integer(name: string, value: number): this {
    if (value !== 0) this.#members.push(`${JSON.stringify(name)}:${integerJson(value)}`);
    return this;
  }

  /** Writes `true`; `false` is the default and omitted. */
  boolean(name: string, value: boolean): this {
    if (value) this.#members.push(`${JSON.stringify(name)}:true`);
    return this;
  }

  /** Writes an id → timestamp map with sorted keys (the original uses TreeMaps), unless empty. */
  timestampMap(name: string, map: Readonly<Record<string, number>>): this {
    const ids = Object.keys(map);
    if (ids.length === 0) return this;
    const entries = ids.sort().map((id) => `${JSON.stringify(id)}:${integerJson(map[id] ?? 0)}`);
    this.#members.push(`${JSON.stringify(name)}:{${entries.join(",")}}`);
    return this;
  }

  /** Writes already-serialised JSON text as the value of `name`. */
  raw(name: string, jsonText: string): this {
    this.#members.push(`${JSON.stringify(name)}:${jsonText}`);
    return this;
  }

  /**
   * Writes the unknown fields a record was read with, unchanged. Names in `known` are skipped:
   * the typed field wins over a stray copy in `extra`.
   */
  extra(fields: ExtraFields, known: ReadonlySet<string>): this {
    for (const name of Object.keys(fields)) {
      if (known.has(name)) continue;
      const text = JSON.stringify(fields[name]);
      // `undefined` (never produced by JSON.parse) has no JSON form; skip rather than corrupt.
      if (text !== undefined) this.#members.push(`${JSON.stringify(name)}:${text}`);
    }
    return this;
  }

  /** The finished object text. */
  toString(): string {
    return `{${this.#members.join(",")}}`;
  }
}

/**
 * JSON text of an integer field. `Number.MAX_SAFE_INTEGER` is our stand-in for Java's
 * `Long.MAX_VALUE` (read side: any value ≥ 2^53), so it is written back as that literal and Java
 * peers and the ModelMesh Serving controller see the value they expect.
 */
export function integerJson(value: number): string {
  return value === Number.MAX_SAFE_INTEGER ? JAVA_LONG_MAX_TEXT : JSON.stringify(value);
}
