import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll } from "vitest";
import { describeRefreshMissing } from "./refresh-missing-suite.js";

afterAll(stopAllProcesses);

// Triton says "not loaded" as UNAVAILABLE "Request for unknown model: '<id>' is not found".
describeRefreshMissing("ModelMeshTritonRefreshMissingModelTest", { TRITON_NOT_FOUND_BEHAVIOUR: "true" });
// MLServer says it as INVALID_ARGUMENT "Model <id> with version  not found".
describeRefreshMissing("ModelMeshMlServerRefreshMissingModelTest", { MLSERVER_NOT_FOUND_BEHAVIOUR: "true" });
