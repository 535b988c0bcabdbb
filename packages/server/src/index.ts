/**
 * @modelmesh/server: one ModelMesh instance — the `mmesh.ModelMesh` management service, the
 * inference pass-through with its load queue and local cache, and the background tasks —
 * composed from `@modelmesh/core`, a store and a runtime connection. See `createModelMesh`.
 */

export { createModelMesh } from "./create-model-mesh.js";
// For the gateway and tests; not a stable API.
export type { GrpcStatus } from "./edge/grpc-status.js";
export { GrpcCode, grpcCodeName, meshErrorToStatus, toGrpcStatus } from "./edge/grpc-status.js";
export type {
  DataplaneConfig,
  DataplaneRpcConfig,
  MeshIdentity,
  MeshTimings,
  ModelMesh,
  ModelMeshOptions,
} from "./model-mesh.js";
