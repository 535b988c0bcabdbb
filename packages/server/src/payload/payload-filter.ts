import type { Payload } from "./payload.js";

/**
 * Which payloads a processor sees, from its URI (docs/payload-processors.md): the query names a
 * model, the fragment a method. Undefined fields match everything.
 */
export interface PayloadFilter {
  /** Matches the concrete model id or the vmodel id (plain query `?<id>`). */
  readonly anyId?: string;
  /** Matches the concrete model id only (`?model=<id>`). */
  readonly modelId?: string;
  /** Matches the vmodel id only (`?vmodel=<id>`). */
  readonly vModelId?: string;
  /** Matches the full method name or its last segment (`#predict`, `#mmesh.ExamplePredictor/predict`). */
  readonly method?: string;
}

/** The spellings of "no filter" (as the original accepts them), after one leading `/` is removed. */
function wildcard(value: string): string | undefined {
  const trimmed = value.startsWith("/") ? value.slice(1) : value;
  return trimmed === "" || trimmed === "*" ? undefined : trimmed;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The filter of a processor URI's query (without `?`) and fragment (without `#`). Empty, `*`,
 * `/` and `/*` mean "any"; percent-escapes are decoded.
 */
export function parsePayloadFilter(query: string, fragment: string): PayloadFilter {
  const filter: { -readonly [K in keyof PayloadFilter]: PayloadFilter[K] } = {};
  const rawQuery = decode(query);
  if (rawQuery.startsWith("model=")) {
    const id = wildcard(rawQuery.slice("model=".length));
    if (id !== undefined) filter.modelId = id;
  } else if (rawQuery.startsWith("vmodel=")) {
    const id = wildcard(rawQuery.slice("vmodel=".length));
    if (id !== undefined) filter.vModelId = id;
  } else {
    const id = wildcard(rawQuery);
    if (id !== undefined) filter.anyId = id;
  }
  const method = wildcard(decode(fragment));
  if (method !== undefined) filter.method = method;
  return filter;
}

/** Last segment of a method name: `predict` of `mmesh.ExamplePredictor/predict`. */
function shortMethod(method: string): string {
  const slash = method.lastIndexOf("/");
  return slash < 0 ? method : method.slice(slash + 1);
}

/** True when `payload` passes `filter`. */
export function matchesPayloadFilter(filter: PayloadFilter, payload: Payload): boolean {
  if (filter.method !== undefined) {
    if (filter.method !== payload.method && filter.method !== shortMethod(payload.method)) return false;
  }
  if (filter.modelId !== undefined && filter.modelId !== payload.modelId) return false;
  if (filter.vModelId !== undefined && filter.vModelId !== payload.vModelId) return false;
  if (filter.anyId !== undefined && filter.anyId !== payload.modelId && filter.anyId !== payload.vModelId) {
    return false;
  }
  return true;
}
