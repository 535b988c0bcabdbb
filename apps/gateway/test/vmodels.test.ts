import { Code } from "@connectrpc/connect";
import { stopAllEtcd } from "@modelmesh/testkit/etcd";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, registerLoaded } from "./support.js";
import { categoryVia, expectError, VStatus, vmodelHeader } from "./vmodel-support.js";
import { describeVModelsSuite } from "./vmodels-suite.js";

afterAll(async () => {
  await stopAllProcesses();
  await stopAllEtcd();
});

// VModelsTest and its store variants of the original: the same suite on each store.
describeVModelsSuite("vmodels (embedded store)", "embedded");
describeVModelsSuite("vmodels (etcd)", "etcd");

describe("MM_DEFAULT_VMODEL_OWNER", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh({ env: { MM_DEFAULT_VMODEL_OWNER: "team-default" } });
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  it("owns vmodels created without an owner; an explicit owner wins", async () => {
    await registerLoaded(mesh, "do-m");
    expect((await mesh.management.setVModel({ vModelId: "do", targetModelId: "do-m" })).owner).toBe(
      "team-default",
    );
    expect((await mesh.management.getVModelStatus({ vModelId: "do", owner: "team-default" })).owner).toBe(
      "team-default",
    );
    await expectError(
      mesh.management.setVModel({ vModelId: "do", targetModelId: "do-m", owner: "other" }),
      Code.AlreadyExists,
      'vmodel do already exists with different owner "team-default"',
    );
    const explicit = await mesh.management.setVModel({
      vModelId: "do-own",
      targetModelId: "do-m",
      owner: "mine",
    });
    expect(explicit.owner).toBe("mine");
  });
});

// ModelMeshVmIdExtractTest: the id read from the request body is a vmodel id.
describe("dataplane vModelId extraction", () => {
  let mesh: TestMesh;
  const config = {
    rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1], vModelId: true } },
  };
  beforeAll(async () => {
    mesh = await startMesh({ env: { MM_DATAPLANE_CONFIG: JSON.stringify(config) } });
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  it("routes the body's id through the vmodel to its concrete model; other methods are UNIMPLEMENTED", async () => {
    await registerLoaded(mesh, "vx-m1");
    await registerLoaded(mesh, "vx-m2");
    await mesh.management.setVModel({ vModelId: "vx", targetModelId: "vx-m1" });
    const predict = async (modelName: string) =>
      (await mesh.predictor.predict({ modelName, text: "t" }, { timeoutMs: 20_000 })).results[0]?.category;
    // The runtime is asked for the concrete model, and names it.
    expect(await predict("vx")).toBe("classification for t by model vx-m1");
    await mesh.management.setVModel({ vModelId: "vx", targetModelId: "vx-m2", sync: true });
    expect(await predict("vx")).toBe("classification for t by model vx-m2");
    // The body's id is a vmodel id only: a model id there is an unknown vmodel.
    await expectError(predict("vx-m1"), Code.NotFound, "vmodel not found");
    await expectCode(
      mesh.predictor.multiPredict({ modelName: "vx", text: "t" }, { headers: vmodelHeader("vx") }),
      Code.Unimplemented,
    );
    expect(VStatus[(await mesh.management.getVModelStatus({ vModelId: "vx" })).status]).toBe("DEFINED");
    // An empty body field falls back to the header.
    expect(await categoryVia(mesh, vmodelHeader("vx"))).toBe("classification for x by model vx-m2");
  });
});
