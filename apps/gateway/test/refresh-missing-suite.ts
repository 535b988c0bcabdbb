import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ModelRuntime } from "@modelmesh/proto";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { afterEach, describe, expect, it } from "vitest";
import { Status, sizedModel } from "./support.js";

// ModelMeshRefreshMissingModelTest and its variants: the runtime loses a model behind the mesh's
// back (an out-of-band unloadModel); the next inference call must still succeed, because the
// mesh treats the runtime's "not found" as "reload and retry". The variants change how the
// runtime says "not found" (Triton: UNAVAILABLE "Request for unknown model ...", MLServer:
// INVALID_ARGUMENT "Model ... not found") or make its unloadModel answer NOT_FOUND for unknown ids
// (ModelMeshRMMUnloadNotFound).

/** Runs handleMissingModelTest against a runtime started with `runtimeEnv`. */
export function describeRefreshMissing(name: string, runtimeEnv: Readonly<Record<string, string>>): void {
  describe(name, () => {
    let mesh: TestMesh | undefined;
    afterEach(async () => {
      expect(await mesh?.stop()).toBe(0);
    });

    it("handleMissingModelTest: out-of-band unloads are invisible to clients", async () => {
      mesh = await startMesh({ runtime: { env: runtimeEnv } });
      const modelId = "myModel";
      const registered = await mesh.management.registerModel({
        modelId,
        modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
        loadNow: true,
        sync: true,
      });
      expect(Status[registered.status]).toBe("LOADED");
      const predict = () =>
        mesh?.predictor.predict({ text: "predict me!", modelName: "n/a" }, { headers: modelHeader(modelId) });
      expect((await predict())?.results[0]?.category).toBe("classification for predict me! by model myModel");

      const runtime = createClient(
        ModelRuntime,
        createGrpcTransport({ baseUrl: `http://127.0.0.1:${mesh.runtime?.port}` }),
      );
      for (let i = 1; i <= 2; i++) {
        // Straight to the runtime: the mesh does not know.
        await runtime.unloadModel({ modelId }).catch((error: unknown) => {
          if (!(error instanceof ConnectError && error.code === Code.NotFound)) throw error;
        });
        expect((await predict())?.results[0]?.category).toBe(
          "classification for predict me! by model myModel",
        );
      }
      await mesh.management.unregisterModel({ modelId });
    });
  });
}
