import type { ValueParser } from "./reader.js";

const ok = <T>(value: T) => ({ ok: true as const, value });
const err = (error: string) => ({ ok: false as const, error });

/** A whole number within [min, max]. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  return (raw) => {
    const trimmed = raw.trim();
    if (!/^-?\d+$/.test(trimmed)) return err("must be a whole number");
    const value = Number(trimmed);
    if (value < min || value > max) return err(`must be between ${min} and ${max}`);
    return ok(value);
  };
}

/** A TCP port, 1–65535. */
export const port: ValueParser<number> = integer(1, 65535);

/** A TCP port, or `NONE`/`0` to disable (returns null). */
export const portOrNone: ValueParser<number | null> = (raw) =>
  /^(none|0)$/i.test(raw.trim()) ? ok(null) : port(raw);

/** `true`/`false` (any case), also `1`/`0`. */
export const boolean: ValueParser<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (value === "true" || value === "1") return ok(true);
  if (value === "false" || value === "0") return ok(false);
  return err("must be true or false");
};

/** Any non-empty string, trimmed. */
export const text: ValueParser<string> = (raw) =>
  raw.trim() === "" ? err("must not be empty") : ok(raw.trim());

/** A comma-separated list, trimmed, empty items dropped, sorted and deduplicated. */
export const labelList: ValueParser<readonly string[]> = (raw) =>
  ok(
    [
      ...new Set(
        raw
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      ),
    ].sort(),
  );

/** One of the given words (case-insensitive); returns the canonical spelling. */
export function oneOf<T extends string>(...values: readonly T[]): ValueParser<T> {
  return (raw) => {
    const found = values.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
    return found ? ok(found) : err(`must be one of ${values.join(", ")}`);
  };
}

/** A JSON document; `check` validates its shape and returns an error message or the value. */
export function json<T>(
  check: (value: unknown) => { ok: true; value: T } | { ok: false; error: string },
): ValueParser<T> {
  return (raw) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      return err(`is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    return check(value);
  };
}
