import { describeSidecarSuite } from "./sidecar-suite.js";

// SidecarModelMeshTest: the runtime on a TCP port (INTERNAL_GRPC_PORT).
describeSidecarSuite("SidecarModelMeshTest", {});
