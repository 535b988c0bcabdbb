import { type PayloadFilter, parsePayloadFilter } from "./payload-filter.js";

/** One entry of `MM_PAYLOAD_PROCESSORS`, parsed. */
export type PayloadProcessorSpec =
  /** `logger://...`: each payload becomes an info log line. */
  | { readonly kind: "logger"; readonly uri: string; readonly filter: PayloadFilter }
  /** `http(s)://...`: each payload is POSTed as JSON to `url` (the URI without its fragment). */
  | { readonly kind: "http"; readonly uri: string; readonly url: string; readonly filter: PayloadFilter };

/** Outcome of {@link parsePayloadProcessorUri}. */
export type ParsedProcessorUri =
  | { readonly ok: true; readonly value: PayloadProcessorSpec }
  | { readonly ok: false; readonly error: string };

/**
 * Parses one processor URI (docs/payload-processors.md): scheme `logger`, `http` or `https`; the
 * query filters by model (`?<id>`, `?model=<id>`, `?vmodel=<id>`), the fragment by method.
 */
export function parsePayloadProcessorUri(text: string): ParsedProcessorUri {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a valid URI` };
  }
  const filter = parsePayloadFilter(url.search.slice(1), url.hash.slice(1));
  switch (url.protocol) {
    case "logger:":
      return { ok: true, value: { kind: "logger", uri: text, filter } };
    case "http:":
    case "https:": {
      const target = new URL(url);
      target.hash = "";
      return { ok: true, value: { kind: "http", uri: text, url: target.href, filter } };
    }
    default:
      return {
        ok: false,
        error: `"${text}": unknown processor scheme "${url.protocol.slice(0, -1)}" (use logger, http or https)`,
      };
  }
}

/**
 * Parses `MM_PAYLOAD_PROCESSORS`: URIs separated by whitespace. Returns every parsed processor
 * and every problem (all of them, so a start-up reports them together).
 */
export function parsePayloadProcessors(text: string): {
  readonly specs: readonly PayloadProcessorSpec[];
  readonly errors: readonly string[];
} {
  const specs: PayloadProcessorSpec[] = [];
  const errors: string[] = [];
  for (const part of text.split(/\s+/)) {
    if (part === "") continue;
    const parsed = parsePayloadProcessorUri(part);
    if (parsed.ok) specs.push(parsed.value);
    else errors.push(parsed.error);
  }
  return { specs, errors };
}
