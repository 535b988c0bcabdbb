import { Code, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { ModelMesh } from "@modelmesh/proto";
import type { ExampleRuntimeOptions } from "@modelmesh/testkit/example-runtime";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { expectCode, multiPredict, Status, sizedModel } from "./support.js";

/**
 * SidecarModelMeshTest (grpcTest, loadFailureTest) of the original, against a gateway and an
 * example runtime reached as `runtime` says (TCP port, or a Unix socket for the UDS variant).
 */
export function describeSidecarSuite(name: string, runtime: ExampleRuntimeOptions): void {
  describe(name, () => {
    let mesh: TestMesh;
    beforeEach(async () => {
      mesh = await startMesh({ runtime });
    });
    afterEach(async () => {
      expect(await mesh.stop()).toBe(0);
    });
    afterAll(stopAllProcesses);

    it("grpcTest: register, predict, status, transparent reload after a runtime purge, unregister", async () => {
      const status = await mesh.management.getModelStatus({ modelId: "i don't exist" });
      expect(Status[status.status]).toBe("NOT_FOUND");
      expect(status.errors).toHaveLength(0);

      const modelId = "myModel";
      await mesh.management.registerModel({
        modelId,
        modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
        loadNow: true,
      });
      const predict = (text: string, timeoutMs?: number) =>
        mesh.predictor.predict(
          { text },
          { headers: modelHeader(modelId), ...(timeoutMs === undefined ? {} : { timeoutMs }) },
        );
      const first = await predict("predict me!");
      expect(first.results[0]?.confidence).toBe(1);
      expect(first.results[0]?.category).toBe("classification for predict me! by model myModel");

      const loaded = await mesh.management.getModelStatus({ modelId });
      expect(Status[loaded.status]).toBe("LOADED");
      expect(loaded.errors).toHaveLength(0);

      // The runtime forgets every model; the next call must reload it without the caller noticing.
      await predict("test:purge-models");
      const again = await predict("predict me again!");
      expect(again.results[0]?.category).toBe("classification for predict me again! by model myModel");

      const deadlineBound = await predict("aa", 2000);
      expect(deadlineBound.results[0]?.category).toBe("classification for aa by model myModel");

      await mesh.management.unregisterModel({ modelId });
      expect(Status[(await mesh.management.getModelStatus({ modelId })).status]).toBe("NOT_FOUND");
      await expectCode(predict("gone?"), Code.NotFound);
    });

    it("loadFailureTest: a failing sync load answers LOADING_FAILED with the runtime's message", async () => {
      const modelId = `myModel_${name.replaceAll(/\W/g, "")}`;
      const errorMessage = "load should fail with this error";
      const verify = (info: Awaited<ReturnType<typeof mesh.management.getModelStatus>>) => {
        expect(Status[info.status]).toBe("LOADING_FAILED");
        expect(info.errors).toHaveLength(1);
        expect(info.errors[0]?.endsWith(errorMessage), info.errors[0]).toBe(true);
        expect(info.modelCopyInfos).toHaveLength(1);
        const copy = info.modelCopyInfos[0];
        expect(Status[copy?.copyStatus ?? 0]).toBe("LOADING_FAILED");
        expect(copy?.location).not.toBe("");
        const age = Date.now() - Number(copy?.time ?? 0);
        expect(age).toBeGreaterThanOrEqual(-1000); // clocks of one machine; allow rounding
        expect(age).toBeLessThan(15_000);
      };
      const registered = await mesh.management.registerModel({
        modelId,
        modelInfo: { type: "ExampleType", path: `FAIL_${errorMessage}` },
        loadNow: true,
        sync: true,
      });
      verify(registered);
      // The failure stays consistent in later status reads.
      verify(await mesh.management.getModelStatus({ modelId }));
      await mesh.management.unregisterModel({ modelId });
    });

    it("multiModelTest: one call to three models merges their responses", async () => {
      const ids = ["myModel-1", "myModel-2", "myModel-3"];
      for (const modelId of ids) {
        await mesh.management.registerModel({
          modelId,
          modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
          loadNow: true,
        });
      }
      // One mm-model-id header field per id, as gRPC clients send repeated metadata (Connect's
      // client would join them into one "a, b, c" field, which names a single model).
      const response = await multiPredict(mesh, ids, "sometext");
      expect(Object.keys(response.perModelResults).sort()).toEqual(ids);
      for (const id of ids) {
        const results = response.perModelResults[id]?.results ?? [];
        expect(results).toHaveLength(2);
        expect(results[0]?.category).toBe(`classification for sometext by model ${id}`);
      }
      for (const modelId of ids) await mesh.management.unregisterModel({ modelId });
    });

    it("serves the management API as Connect JSON and gRPC-Web over HTTP/1.1", async () => {
      const registered = await mesh.connectJson("registerModel", {
        modelId: "json-model",
        modelInfo: { type: "ExampleType", path: sizedModel(2048, 0, 0) },
        loadNow: true,
        sync: true,
      });
      expect(registered).toMatchObject({ status: 200, body: { status: "LOADED" } });
      const status = await mesh.connectJson("getModelStatus", { modelId: "json-model" });
      expect(status).toMatchObject({ status: 200, body: { status: "LOADED" } });
      // NOT_FOUND is the enum's zero value, which proto3 JSON leaves out.
      const missing = await mesh.connectJson("getModelStatus", { modelId: "nope" });
      expect(missing).toEqual({ status: 200, body: {} });
      // gRPC-Web over HTTP/1.1, as browsers and Envoy-less proxies call it.
      const web = createClient(
        ModelMesh,
        createGrpcWebTransport({ baseUrl: mesh.baseUrl, httpVersion: "1.1" }),
      );
      expect(Status[(await web.getModelStatus({ modelId: "json-model" })).status]).toBe("LOADED");
    });
  });
}
