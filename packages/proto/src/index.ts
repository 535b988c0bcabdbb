/**
 * Generated protobuf-es types and service descriptors for every wire contract of ModelMesh for
 * TypeScript. The sources are the .proto files in the repository's `proto/` folder; regenerate
 * with `pnpm generate`. `index.test.ts` fails if a generated export is missing here.
 */

// grpc.health.v1.Health: standard health checks.
export type {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthListRequest,
  HealthListResponse,
} from "./gen/grpc/health/v1/health_pb.js";
export {
  file_grpc_health_v1_health,
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponse_ServingStatusSchema,
  HealthCheckResponseSchema,
  HealthListRequestSchema,
  HealthListResponseSchema,
} from "./gen/grpc/health/v1/health_pb.js";
// grpc.reflection.v1.ServerReflection: server reflection (grpcurl and other tools).
export type {
  ErrorResponse,
  ExtensionNumberResponse,
  ExtensionRequest,
  FileDescriptorResponse,
  ListServiceResponse,
  ServerReflectionRequest,
  ServerReflectionResponse,
  ServiceResponse,
} from "./gen/grpc/reflection/v1/reflection_pb.js";
export {
  ErrorResponseSchema,
  ExtensionNumberResponseSchema,
  ExtensionRequestSchema,
  FileDescriptorResponseSchema,
  file_grpc_reflection_v1_reflection,
  ListServiceResponseSchema,
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  ServiceResponseSchema,
} from "./gen/grpc/reflection/v1/reflection_pb.js";
/**
 * grpc.reflection.v1alpha.ServerReflection: the same protocol under its pre-release package name,
 * which older clients ask for. Same names as the v1 exports, hence a namespace.
 */
export * as reflectionV1alpha from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
export { file_grpc_reflection_v1alpha_reflection } from "./gen/grpc/reflection/v1alpha/reflection_pb.js";
// inference.GRPCInferenceService: KServe V2 (grpc_predict_v2.proto).
export type {
  InferParameter,
  InferTensorContents,
  ModelInferRequest,
  ModelInferRequest_InferInputTensor,
  ModelInferRequest_InferRequestedOutputTensor,
  ModelInferResponse,
  ModelInferResponse_InferOutputTensor,
  ModelMetadataRequest,
  ModelMetadataResponse,
  ModelMetadataResponse_TensorMetadata,
  ModelReadyRequest,
  ModelReadyResponse,
  ServerLiveRequest,
  ServerLiveResponse,
  ServerMetadataRequest,
  ServerMetadataResponse,
  ServerReadyRequest,
  ServerReadyResponse,
} from "./gen/grpc_predict_v2_pb.js";
export {
  file_grpc_predict_v2,
  GRPCInferenceService,
  InferParameterSchema,
  InferTensorContentsSchema,
  ModelInferRequest_InferInputTensorSchema,
  ModelInferRequest_InferRequestedOutputTensorSchema,
  ModelInferRequestSchema,
  ModelInferResponse_InferOutputTensorSchema,
  ModelInferResponseSchema,
  ModelMetadataRequestSchema,
  ModelMetadataResponse_TensorMetadataSchema,
  ModelMetadataResponseSchema,
  ModelReadyRequestSchema,
  ModelReadyResponseSchema,
  ServerLiveRequestSchema,
  ServerLiveResponseSchema,
  ServerMetadataRequestSchema,
  ServerMetadataResponseSchema,
  ServerReadyRequestSchema,
  ServerReadyResponseSchema,
} from "./gen/grpc_predict_v2_pb.js";
// mmesh.internal.v1.MeshPeerService: the internal peer protocol between mesh instances
// (mmesh/internal/v1/mesh_internal.proto; internal only, see docs/cluster.md).
export type {
  CopyInfo,
  CopyRef,
  ModelStatusRequest,
  ModelStatusResponse,
  RoutingContext,
} from "./gen/mmesh/internal/v1/mesh_internal_pb.js";
export {
  CopyInfoSchema,
  CopyRefSchema,
  CopyState,
  CopyStateSchema,
  file_mmesh_internal_v1_mesh_internal,
  HopType,
  HopTypeSchema,
  MeshPeerService,
  ModelState,
  ModelStateSchema,
  ModelStatusRequestSchema,
  ModelStatusResponseSchema,
  RoutingContextSchema,
} from "./gen/mmesh/internal/v1/mesh_internal_pb.js";
// mmesh.ModelMesh: the management API (model-mesh.proto).
export type {
  DeleteVModelRequest,
  DeleteVModelResponse,
  EnsureLoadedRequest,
  GetStatusRequest,
  GetVModelStatusRequest,
  ModelInfo,
  ModelStatusInfo,
  ModelStatusInfo_ModelCopyInfo,
  RegisterModelRequest,
  SetVModelRequest,
  UnregisterModelRequest,
  UnregisterModelResponse,
  VModelStatusInfo,
} from "./gen/model-mesh_pb.js";
export {
  DeleteVModelRequestSchema,
  DeleteVModelResponseSchema,
  EnsureLoadedRequestSchema,
  file_model_mesh,
  GetStatusRequestSchema,
  GetVModelStatusRequestSchema,
  ModelInfoSchema,
  ModelMesh,
  ModelStatusInfo_ModelCopyInfoSchema,
  ModelStatusInfo_ModelStatus,
  ModelStatusInfo_ModelStatusSchema,
  ModelStatusInfoSchema,
  RegisterModelRequestSchema,
  SetVModelRequestSchema,
  UnregisterModelRequestSchema,
  UnregisterModelResponseSchema,
  VModelStatusInfo_VModelStatus,
  VModelStatusInfo_VModelStatusSchema,
  VModelStatusInfoSchema,
} from "./gen/model-mesh_pb.js";
// mmesh.ModelRuntime: the runtime management API (model-runtime.proto).
export type {
  LoadModelRequest,
  LoadModelResponse,
  ModelSizeRequest,
  ModelSizeResponse,
  PredictModelSizeRequest,
  PredictModelSizeResponse,
  RuntimeStatusRequest,
  RuntimeStatusResponse,
  RuntimeStatusResponse_MethodInfo,
  UnloadModelRequest,
  UnloadModelResponse,
} from "./gen/model-runtime_pb.js";
export {
  file_model_runtime,
  LoadModelRequestSchema,
  LoadModelResponseSchema,
  ModelRuntime,
  ModelSizeRequestSchema,
  ModelSizeResponseSchema,
  PredictModelSizeRequestSchema,
  PredictModelSizeResponseSchema,
  RuntimeStatusRequestSchema,
  RuntimeStatusResponse_MethodInfoSchema,
  RuntimeStatusResponse_Status,
  RuntimeStatusResponse_StatusSchema,
  RuntimeStatusResponseSchema,
  UnloadModelRequestSchema,
  UnloadModelResponseSchema,
} from "./gen/model-runtime_pb.js";
// mmesh.ExamplePredictor: the example inference API (predictor.proto).
export type {
  CategoryAndConfidence,
  MultiPredictResponse,
  PredictRequest,
  PredictResponse,
} from "./gen/predictor_pb.js";
export {
  CategoryAndConfidenceSchema,
  ExamplePredictor,
  file_predictor,
  MultiPredictResponseSchema,
  PredictRequestSchema,
  PredictResponseSchema,
} from "./gen/predictor_pb.js";
