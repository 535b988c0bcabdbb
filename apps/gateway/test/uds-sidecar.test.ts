import { describeSidecarSuite } from "./sidecar-suite.js";

// UdsSidecarModelMeshTest: the same suite with the runtime on a Unix socket only
// (INTERNAL_GRPC_SOCKET_PATH). The original used the default /tmp/mmesh/grpc.sock; a fresh temp
// socket keeps parallel test runs on one machine apart.
describeSidecarSuite("UdsSidecarModelMeshTest", { socket: "temp" });
