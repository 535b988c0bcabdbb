import type { ConnectRouter } from "@connectrpc/connect";
import {
  GRPCInferenceService,
  Health,
  ModelMesh,
  reflectionV1alpha,
  ServerReflection,
} from "@modelmesh/proto";
import { registerHealthService } from "./health-service.js";
import type { ReadinessMonitor } from "./readiness-monitor.js";
import { createReflectionIndex } from "./reflection-index.js";
import { registerReflectionService } from "./reflection-service.js";

/**
 * The services reflection describes: the management API, KServe V2 (its server-level calls are
 * answered by the mesh, its model calls routed to the runtime by `model_name`), health and
 * reflection itself.
 */
const DESCRIBED = [
  ModelMesh,
  GRPCInferenceService,
  Health,
  ServerReflection,
  reflectionV1alpha.ServerReflection,
];

// Built once per process: the descriptors never change.
let index: ReturnType<typeof createReflectionIndex> | undefined;

/**
 * Registers `grpc.health.v1.Health` (following `monitor`) and server reflection (v1 and
 * v1alpha) on the serving port's router. Health knows the names `""`, `mmesh.ModelMesh` and
 * `inference.GRPCInferenceService`.
 */
export function registerPortServices(router: ConnectRouter, monitor: ReadinessMonitor): void {
  registerHealthService(router, {
    monitor,
    services: [ModelMesh.typeName, GRPCInferenceService.typeName],
  });
  index ??= createReflectionIndex(DESCRIBED);
  registerReflectionService(router, index);
}
