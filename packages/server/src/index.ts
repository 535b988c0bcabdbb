/**
 * @modelmesh/server: one ModelMesh instance — the `mmesh.ModelMesh` management service, the
 * inference pass-through with its load queue and local cache, and the background tasks —
 * composed from `@modelmesh/core`, a store and a runtime connection. See `createModelMesh`.
 */

export type {
  CopyRequest,
  CopyRequester,
  CopyRequestReason,
  CopyRequestResult,
} from "./cluster/copy-requester.js";
export type { TypeConstraint, TypeConstraintConfig } from "./cluster/type-constraints.js";
export { parseTypeConstraints } from "./cluster/type-constraints.js";
export type { ConnectionLimits, SessionGuardEvents } from "./connections/index.js";
export { DEFAULT_CONNECTION_LIMITS, guardHttp2Session } from "./connections/index.js";
export { createModelMesh } from "./create-model-mesh.js";
// For the gateway and tests; not a stable API.
export type { GrpcStatus } from "./edge/grpc-status.js";
export { GrpcCode, grpcCodeName, meshErrorToStatus, toGrpcStatus } from "./edge/grpc-status.js";
export type { StreamLimits } from "./inference/stream-limits.js";
export { DEFAULT_STREAM_LIMITS } from "./inference/stream-limits.js";
export type {
  DataplaneConfig,
  DataplaneRpcConfig,
  MeshIdentity,
  MeshTimings,
  ModelMesh,
  ModelMeshOptions,
  RegisterServicesOptions,
} from "./model-mesh.js";
// Payload processors (MM_PAYLOAD_PROCESSORS).
export type { Payload, PayloadKind, PayloadProcessor } from "./payload/payload.js";
export type { PayloadFilter } from "./payload/payload-filter.js";
export { matchesPayloadFilter, parsePayloadFilter } from "./payload/payload-filter.js";
export type { PayloadProcessingOptions } from "./payload/payload-processing.js";
export type { ParsedProcessorUri, PayloadProcessorSpec } from "./payload/processor-uri.js";
export { parsePayloadProcessors, parsePayloadProcessorUri } from "./payload/processor-uri.js";
export type { RemotePayloadBody } from "./payload/remote-body.js";
export { remotePayloadBody } from "./payload/remote-body.js";
// The internal peer protocol (docs/cluster.md): for tools and tests that talk to a mesh's internal port.
export type {
  ForwardedInference,
  PeerBinding,
  PeerCallOptions,
  PeerCallScope,
  PeerClientOptions,
  PeerDirectoryOptions,
  PeerForwardRequest,
  PeerHandler,
  PeerHop,
  PeerRef,
  PeerRoutingContext,
  PeerServer,
  PeerStatusAnswer,
  PeerStatusRequest,
  PeerTls,
  PeerTlsMaterial,
} from "./peer/index.js";
export {
  createPeerRequestListener,
  DEFAULT_INTERNAL_PORT,
  listenPeerServer,
  MAX_INSTANCE_ID_BYTES,
  PeerClient,
  PeerDirectory,
  PeerTraffic,
} from "./peer/index.js";
// The name KServe V2 `ServerMetadata` answers with.
export { KSERVE_SERVER_NAME } from "./service/kserve-server-service.js";
// Size limits of client requests (INVALID_ARGUMENT beyond them).
export {
  MAX_MODEL_ID_BYTES,
  MAX_MODEL_KEY_BYTES,
  MAX_MODEL_PATH_BYTES,
  MAX_MODEL_TYPE_BYTES,
  MAX_MODELS_PER_CALL,
  MAX_OWNER_BYTES,
  MAX_VMODEL_ID_BYTES,
} from "./service/request-limits.js";
export type { StaticModel } from "./startup/static-models.js";
// Dynamic config keys of the store (docs/logging.md).
export type { MeshLogLevel } from "./tasks/dynamic-config.js";
export { DynamicConfigKey, MESH_LOG_LEVELS } from "./tasks/dynamic-config.js";
