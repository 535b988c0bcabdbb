/**
 * @modelmesh/runtime-client: drives a model runtime over `mmesh.ModelRuntime` (startup handshake,
 * load, size, unload with retries) and forwards inference calls to it byte for byte over pooled
 * HTTP/2 sessions. Behaviour follows KServe ModelMesh (§2.6, §6.7, §8 of the behaviour reference).
 */

// --- connecting (§8.1, §8.2) ---
export type { ConnectRuntimeOptions, RuntimeConnection } from "./connect-runtime.js";
export {
  connectRuntime,
  DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS,
  DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS,
} from "./connect-runtime.js";
export { connectionErrorCode } from "./connection-errors.js";
export type { ResolvedEndpoints, RuntimeEndpoint, RuntimeEndpointOptions } from "./endpoints.js";
export {
  DEFAULT_RUNTIME_PORT,
  DEFAULT_RUNTIME_SOCKET_PATH,
  describeEndpoint,
  resolveRuntimeEndpoints,
  sameEndpoint,
} from "./endpoints.js";
// --- data plane (§2.5, §2.6) ---
export type { CollectedResponse } from "./forwarder/collect.js";
export { forwardAndCollect } from "./forwarder/collect.js";
export type { GrpcForwarderOptions } from "./forwarder/grpc-forwarder.js";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  GrpcForwarder,
  translateGenericError,
} from "./forwarder/grpc-forwarder.js";
export { encodeGrpcTimeout, parseGrpcTimeout } from "./forwarder/grpc-timeout.js";
export { isVisibleAscii, runtimeRequestHeaders } from "./forwarder/runtime-headers.js";
export type { Http2Target, SessionPoolOptions } from "./forwarder/session-pool.js";
export { Http2SessionPool, http2TargetFor } from "./forwarder/session-pool.js";
export type { ErrorTranslator, ForwardHandle, ForwardRequest, ForwardSink } from "./forwarder/types.js";
// --- errors (§2.6.5) ---
export type { GrpcStatus } from "./grpc-status.js";
export { decodeGrpcMessage, GrpcCode, grpcCodeName, grpcStatusOf } from "./grpc-status.js";
export type { HandshakeOptions, HandshakeResult } from "./handshake.js";
export { awaitRuntimeReady } from "./handshake.js";
// --- management (§6.7, §8.4) ---
export { RuntimeManagementClient, statusOfCallError } from "./management-client.js";
export {
  forbiddenMethodMessage,
  isRuntimeManagementMethod,
  isWellFormedMethod,
  notPermittedMessage,
  RUNTIME_MANAGEMENT_SERVICE,
} from "./method-names.js";
export type { LoadedModel, LoadModelArgs } from "./model-load.js";
export type { ModelManagerOptions } from "./model-manager.js";
export { RuntimeModelManager } from "./model-manager.js";
export type { MethodPolicy, ParametersResult, RuntimeParameters } from "./parameters.js";
export { methodPolicy, minimumCapacityUnits, readRuntimeParameters } from "./parameters.js";
export {
  describeStatus,
  isMlServerNotFound,
  isRuntimeNotFound,
  isTritonNotFound,
  MAX_RUNTIME_MESSAGE_CHARS,
  translateLoadError,
  translateRuntimeError,
  truncateMessage,
} from "./runtime-errors.js";
export type { RuntimeHealthOptions } from "./runtime-health.js";
export { DEFAULT_RUNTIME_HEALTH_CHECK_INTERVAL_MS, RuntimeHealth } from "./runtime-health.js";
export type { UnloadRetryOptions } from "./unload-retry-queue.js";
