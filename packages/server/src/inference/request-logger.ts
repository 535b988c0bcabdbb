import type { IncomingHttpHeaders } from "node:http2";
import type { Logger } from "@modelmesh/core";

/** `MM_LOG_REQUEST_HEADERS`: lower-case request header name → log field name. */
export type RequestHeaderFields = Readonly<Record<string, string>>;

/**
 * The logger for one inference call (§10.3): `logger` with the configured request headers added
 * to every line as fields. `-bin` header values are decoded from base64 as UTF-8; repeated values
 * are joined with commas. Headers the call does not carry are left out.
 */
export function requestLogger(
  logger: Logger,
  headers: IncomingHttpHeaders,
  mapping: RequestHeaderFields | undefined,
): Logger {
  if (mapping === undefined) return logger;
  let fields: Record<string, string> | undefined;
  for (const header in mapping) {
    const raw = headers[header];
    if (raw === undefined) continue;
    const values = Array.isArray(raw) ? raw : [raw];
    const decoded = header.endsWith("-bin")
      ? values.map((v) => Buffer.from(v, "base64").toString("utf8"))
      : values;
    fields ??= {};
    fields[mapping[header] as string] = decoded.join(",");
  }
  return fields === undefined ? logger : logger.child(fields);
}
