import { Code } from "@connectrpc/connect";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, Status, sizedModel } from "../support.js";
import { type ClusterStore, connectClusterStore, instanceAt } from "./cluster-support.js";

const constrainedType = "special-type";
const unplaceableType = "nowhere-type";
const typeConstraints = JSON.stringify({
  [constrainedType]: { required: ["special"] },
  [unplaceableType]: { required: ["no-such-label"] },
});
const method = "mmesh.ExamplePredictor/predict";

// ModelMeshErrorPropagationTest: two instances, a type constraint that only instance 0 (labelled
// "special") satisfies. A model of that type has its one copy there; a runtime error reaches the
// client through either instance with its code and message intact, and no extra copy is loaded
// on the way (the constraint leaves nowhere else to load it).
describe("ModelMeshErrorPropagationTest", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  let labelled: TestMesh;
  let other: TestMesh;
  const modelId = "ep-constrained-model";
  beforeAll(async () => {
    cluster = await startCluster({
      size: 2,
      env: { MM_TYPE_CONSTRAINTS: typeConstraints },
      perInstance: (i) => (i === 0 ? { env: { MM_LABELS: "special" } } : {}),
    });
    store = await connectClusterStore(cluster);
    labelled = instanceAt(cluster, 0);
    other = instanceAt(cluster, 1);
  }, 300_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  /** Ids of the models instance `mesh`'s runtime has loaded so far. */
  async function loadedBy(mesh: TestMesh): Promise<string[]> {
    const runtime = mesh.runtime;
    if (runtime === undefined) throw new Error("no runtime");
    await runtime.syncEvents();
    return runtime.events("model-loaded").map((e) => String(e.modelId));
  }

  it("a constrained type loads only on the instance with the required label", async () => {
    // Registered through the unlabelled instance: placement must still choose the labelled one.
    const status = await other.management.registerModel({
      modelId,
      modelInfo: { type: constrainedType, path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
    expect(Status[status.status]).toBe("LOADED");
    expect(await store.holders(modelId)).toEqual([labelled.instanceId]);
    const response = await other.predictor.predict(
      { text: "hello" },
      { headers: modelHeader(modelId), timeoutMs: 30_000 },
    );
    expect(response.results[0]?.category).toBe(`classification for hello by model ${modelId}`);
  });

  it("a type no instance may run ends LOADING_FAILED, naming its label requirements", async () => {
    const info = await other.management.registerModel({
      modelId: "ep-unplaceable",
      modelInfo: { type: unplaceableType, path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
    expect(Status[info.status]).toBe("LOADING_FAILED");
    expect(info.errors.join("\n")).toContain(
      `There are no running instances that meet the label requirements of type ${unplaceableType}`,
    );
    expect(await store.holders("ep-unplaceable")).toEqual([]);
  });

  it("runtime UNAVAILABLE reaches the client as INTERNAL with the runtime's message, via either instance", async () => {
    const text = "test:error:code=UNAVAILABLE:message=Fake prediction error message";
    for (const mesh of [labelled, other, labelled, other]) {
      const error = await expectCode(
        mesh.predictor.predict({ text }, { headers: modelHeader(modelId), timeoutMs: 30_000 }),
        Code.Internal,
      );
      expect(error.rawMessage, `via ${mesh.instanceId}`).toBe(
        `ModelRuntime UNAVAILABLE: ${method}: UNAVAILABLE: Fake prediction error message`,
      );
    }
  });

  it("other runtime codes pass through the forwarding hop unchanged", async () => {
    const cases = [
      { code: Code.InvalidArgument, name: "INVALID_ARGUMENT", message: "bad input" },
      { code: Code.FailedPrecondition, name: "FAILED_PRECONDITION", message: "not ready: try later" },
      { code: Code.PermissionDenied, name: "PERMISSION_DENIED", message: "not for you" },
      { code: Code.Internal, name: "INTERNAL", message: "runtime broke" },
    ];
    for (const c of cases) {
      for (const mesh of [labelled, other]) {
        const error = await expectCode(
          mesh.predictor.predict(
            { text: `test:error:code=${c.name}:message=${c.message}` },
            { headers: modelHeader(modelId), timeoutMs: 30_000 },
          ),
          c.code,
        );
        expect(error.rawMessage, `${c.name} via ${mesh.instanceId}`).toBe(
          `${method}: ${c.name}: ${c.message}`,
        );
      }
    }
  });

  it("no spurious extra copies: the model is still loaded exactly once", async () => {
    expect(await store.holders(modelId)).toEqual([labelled.instanceId]);
    expect(await loadedBy(other)).not.toContain(modelId);
    expect((await loadedBy(labelled)).filter((id) => id === modelId)).toHaveLength(1);
    // And it still serves, through both instances.
    for (const mesh of [labelled, other]) {
      const response = await mesh.predictor.predict(
        { text: "still fine" },
        { headers: modelHeader(modelId), timeoutMs: 30_000 },
      );
      expect(response.results[0]?.category).toBe(`classification for still fine by model ${modelId}`);
    }
    expect(await store.holders(modelId)).toEqual([labelled.instanceId]);
  });
});
