import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll } from "vitest";
import { describeRefreshMissing } from "./refresh-missing-suite.js";

afterAll(stopAllProcesses);

describeRefreshMissing("ModelMeshRefreshMissingModelTest", {});
// The runtime answers NOT_FOUND from unloadModel for ids it does not hold (treated as success).
describeRefreshMissing("ModelMeshRMMUnloadNotFound", { UNLOAD_RETURN_NOT_FOUND: "true" });
