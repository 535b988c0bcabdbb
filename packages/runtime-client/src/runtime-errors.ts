import { MeshError } from "@modelmesh/core";
import { GrpcCode, type GrpcStatus, grpcCodeName } from "./grpc-status.js";

/**
 * Triton answers UNAVAILABLE for a model it does not have (triton-inference-server/server#3399);
 * the original treats these messages as NOT_FOUND (§2.6.5).
 */
export function isTritonNotFound(status: GrpcStatus): boolean {
  return (
    status.code === GrpcCode.UNAVAILABLE &&
    status.message.startsWith("Request for unknown model") &&
    (status.message.endsWith(" is not found") || status.message.endsWith(" has no available versions"))
  );
}

/** MLServer answers INVALID_ARGUMENT "Model … not found" for a model it does not have (§2.6.5). */
export function isMlServerNotFound(status: GrpcStatus): boolean {
  return (
    status.code === GrpcCode.INVALID_ARGUMENT &&
    status.message.startsWith("Model ") &&
    status.message.endsWith(" not found")
  );
}

/** True when a runtime status means "this model is not loaded here", in any of its three forms. */
export function isRuntimeNotFound(status: GrpcStatus): boolean {
  return status.code === GrpcCode.NOT_FOUND || isTritonNotFound(status) || isMlServerNotFound(status);
}

/**
 * Longest text of a runtime's error message that the mesh keeps, characters (2048): enough for
 * any real diagnosis, while a runtime's huge message is not stored in model records (every
 * instance keeps them in memory) nor sent on in headers.
 */
export const MAX_RUNTIME_MESSAGE_CHARS = 2048;

/**
 * `text` cut to at most `maxChars` UTF-16 code units (never between the two halves of a
 * character), with " … (truncated)" added when it was cut.
 */
export function truncateMessage(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)} … (truncated)`;
}

/**
 * `CODE: message` as gRPC-java prints a status (just `CODE` without a message), the message cut
 * to {@link MAX_RUNTIME_MESSAGE_CHARS}.
 */
export function describeStatus(status: GrpcStatus): string {
  return status.message === ""
    ? grpcCodeName(status.code)
    : `${grpcCodeName(status.code)}: ${truncateMessage(status.message, MAX_RUNTIME_MESSAGE_CHARS)}`;
}

/**
 * Translates a runtime's error status for an inference call into the core's typed error, as the
 * original's sidecar does (§2.6.5, messages as in §13.3):
 * - NOT_FOUND, and Triton's and MLServer's not-found forms → `MODEL_NOT_HERE` (the router purges
 *   the copy and reloads transparently);
 * - other UNAVAILABLE → `INSTANCE_UNAVAILABLE` "ModelRuntime UNAVAILABLE: <method>: UNAVAILABLE: <msg>"
 *   (the router tries other copies, else the client gets INTERNAL with this text);
 * - DEADLINE_EXCEEDED / CANCELLED → the core's codes of the same name (the call ran out, not the runtime);
 * - anything else → `RUNTIME_ERROR` "<method>: <CODE>: <msg>" with the code in `grpcCode`.
 * `method` is the full method name, `pkg.Service/Method`.
 */
export function translateRuntimeError(method: string, status: GrpcStatus): MeshError {
  const grpcCode = status.code;
  if (isRuntimeNotFound(status)) {
    return new MeshError("MODEL_NOT_HERE", `${method}: ${describeStatus(status)}`, { grpcCode });
  }
  switch (grpcCode) {
    case GrpcCode.UNAVAILABLE:
      return new MeshError(
        "INSTANCE_UNAVAILABLE",
        `ModelRuntime UNAVAILABLE: ${method}: ${describeStatus(status)}`,
        {
          grpcCode,
        },
      );
    case GrpcCode.DEADLINE_EXCEEDED:
      return new MeshError("DEADLINE_EXCEEDED", `${method}: ${describeStatus(status)}`, { grpcCode });
    case GrpcCode.CANCELLED:
      return new MeshError("CANCELLED", `${method}: ${describeStatus(status)}`, { grpcCode });
    default:
      return new MeshError("RUNTIME_ERROR", `${method}: ${describeStatus(status)}`, { grpcCode });
  }
}

/**
 * Translates a failed `loadModel` into `LOAD_FAILED` with the failure message the original records:
 * `CODE: description`, or just the description for UNKNOWN; the runtime's text is cut to
 * {@link MAX_RUNTIME_MESSAGE_CHARS}.
 */
export function translateLoadError(modelId: string, status: GrpcStatus): MeshError {
  const message =
    status.code === GrpcCode.UNKNOWN && status.message !== ""
      ? truncateMessage(status.message, MAX_RUNTIME_MESSAGE_CHARS)
      : describeStatus(status);
  return new MeshError("LOAD_FAILED", message, { grpcCode: status.code, modelId });
}
