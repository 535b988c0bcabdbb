/** The runtime's management service: the mesh's own channel to the runtime, never a data-plane call. */
export const RUNTIME_MANAGEMENT_SERVICE = "mmesh.ModelRuntime";

/** Longest method name shown in an error message, characters; the rest is cut (paths can be long). */
const SHOWN_METHOD_CHARS = 256;

// `service/method`: visible ASCII without space, `?`, `#` or `%`, and exactly one `/`. Every gRPC
// client sends such a path; anything else (a doubled or trailing slash, a query, percent-escapes)
// is either garbage or an attempt to reach a method under a spelling that a check by exact name
// would miss, so it is never forwarded.
const methodPattern = /^[^/?#%]+\/[^/?#%]+$/;
const visibleAscii = /^[!-~]+$/;

/**
 * True when `method` (a request path without its leading `/`) has the form `package.Service/Method`
 * that gRPC clients send.
 */
export function isWellFormedMethod(method: string): boolean {
  return visibleAscii.test(method) && methodPattern.test(method);
}

/**
 * True when `method` belongs to the runtime's management service (`mmesh.ModelRuntime`), compared
 * without regard to case so that no server's lenient matching can reach it under another spelling.
 */
export function isRuntimeManagementMethod(method: string): boolean {
  const slash = method.indexOf("/");
  const service = slash < 0 ? method : method.slice(0, slash);
  return service.toLowerCase() === RUNTIME_MANAGEMENT_SERVICE.toLowerCase();
}

/**
 * Why `method` may never travel through a data-plane forwarder (not well formed, or a runtime
 * management method), as the message of an UNIMPLEMENTED answer; undefined when it may.
 */
export function forbiddenMethodMessage(method: string): string | undefined {
  if (isWellFormedMethod(method) && !isRuntimeManagementMethod(method)) return undefined;
  return notPermittedMessage(method);
}

/** The original's answer for a method it does not forward: "Method not found or not permitted: …". */
export function notPermittedMessage(method: string): string {
  const shown =
    method.length > SHOWN_METHOD_CHARS ? `${method.slice(0, SHOWN_METHOD_CHARS)}… (truncated)` : method;
  return `Method not found or not permitted: ${shown}`;
}
