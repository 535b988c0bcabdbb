import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, registerLoaded } from "./support.js";

afterAll(stopAllProcesses);

/** Only `predict` is served, and it names its model in field 1 (`modelName`). */
const BODY_IDS = {
  rpcConfigs: { "mmesh.ExamplePredictor/predict": { idExtractionPath: [1] } },
  allowOtherRpcs: false,
};
/** Every method is served, with ids from headers only. */
const HEADER_IDS = { allowOtherRpcs: true };

// MM_DATAPLANE_CONFIG_PATH (§2.1): model ids read from the request body, the method allow-list,
// and a config file that changes while the mesh serves.
describe("dataplane config", () => {
  let mesh: TestMesh;
  let dir: string;
  let file: string;
  const writeConfig = (content: unknown) =>
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  const category = async (request: { modelName?: string; text: string }, headers = {}) => {
    const response = await mesh.predictor.predict(request, { headers, timeoutMs: 20_000 });
    return response.results[0]?.category;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mm-dataplane-"));
    file = join(dir, "dataplane.json");
    writeConfig(BODY_IDS);
    mesh = await startMesh({ env: { MM_DATAPLANE_CONFIG_PATH: file } });
    for (const modelId of ["dp-a", "dp-b"]) await registerLoaded(mesh, modelId);
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it("routes by the id in the body, ahead of the header; an empty field falls back to the header", async () => {
    expect(await category({ modelName: "dp-a", text: "one" })).toBe("classification for one by model dp-a");
    expect(await category({ modelName: "dp-a", text: "two" }, modelHeader("dp-b"))).toBe(
      "classification for two by model dp-a",
    );
    expect(await category({ modelName: "", text: "three" }, modelHeader("dp-b"))).toBe(
      "classification for three by model dp-b",
    );
    const unknown = await expectCode(category({ modelName: "dp-nope", text: "x" }), Code.NotFound);
    expect(unknown.rawMessage).toBe("model not found");
    // The option is acted on, so no "accepted but not used" warning.
    expect(mesh.logs().filter((l) => String(l.msg).includes("not used"))).toEqual([]);
  });

  it("refuses methods the config does not list when allowOtherRpcs is false", async () => {
    const refused = await expectCode(
      mesh.predictor.multiPredict({ text: "x" }, { headers: modelHeader("dp-a") }),
      Code.Unimplemented,
    );
    expect(refused.rawMessage).toBe("");
  });

  it("applies a changed file to later calls, and keeps the config in force when the new file is invalid", async () => {
    writeConfig(HEADER_IDS);
    // Without extraction the body's id is ignored and the header is required.
    const headerRequired = await waitUntil(
      () =>
        category({ modelName: "dp-a", text: "x" }).then(
          () => undefined,
          (error: unknown) => error,
        ),
      { timeoutMs: 15_000, intervalMs: 100, description: "the changed dataplane config in force" },
    );
    expect(headerRequired).toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "must include mm-model-id header",
    });
    expect(await category({ modelName: "dp-a", text: "h" }, modelHeader("dp-b"))).toBe(
      "classification for h by model dp-b",
    );
    const multi = await mesh.predictor.multiPredict({ text: "m" }, { headers: modelHeader("dp-a") });
    expect(Object.keys(multi.perModelResults)).toEqual(["dp-a"]);
    expect(mesh.logs().some((l) => l.msg === "dataplane config reloaded")).toBe(true);

    writeConfig("{ not json");
    await waitUntil(() => mesh.logs().some((l) => l.msg?.startsWith("invalid dataplane config file")), {
      timeoutMs: 15_000,
      intervalMs: 100,
      description: "the invalid file reported",
    });
    // Still the last valid config: the header routes, the method stays allowed.
    expect(await category({ modelName: "dp-a", text: "k" }, modelHeader("dp-b"))).toBe(
      "classification for k by model dp-b",
    );
    await mesh.predictor.multiPredict({ text: "m" }, { headers: modelHeader("dp-a") });

    writeConfig(BODY_IDS);
    await waitUntil(() => category({ modelName: "dp-a", text: "back" }).catch(() => undefined), {
      timeoutMs: 15_000,
      intervalMs: 100,
      description: "the body ids in force again",
    });
  });

  it("applies a file changed while the gateway waited for its runtime", async () => {
    const earlyFile = join(dir, "early.json");
    writeFileSync(earlyFile, JSON.stringify(HEADER_IDS));
    const runtimePort = await freePort();
    const early = await startMesh({
      runtime: false,
      waitReady: false,
      env: { MM_DATAPLANE_CONFIG_PATH: earlyFile, INTERNAL_GRPC_PORT: String(runtimePort) },
    });
    let runtime: TestExampleRuntime | undefined;
    try {
      await waitUntil(async () => (await early.probe("/live")) === 200, {
        timeoutMs: 30_000,
        description: "/live",
      });
      // The config was read at start; with no runtime yet the mesh is not serving or watching.
      writeFileSync(earlyFile, JSON.stringify(BODY_IDS));
      runtime = await startExampleRuntime({ port: runtimePort });
      await waitUntil(async () => (await early.probe("/ready")) === 200, {
        timeoutMs: 60_000,
        description: "/ready",
      });
      await registerLoaded(early, "dp-early");
      // Only the read at the watch's start can apply this change: the polling baseline is taken after it.
      const category = await waitUntil(
        () =>
          early.predictor
            .predict({ modelName: "dp-early", text: "e" }, { timeoutMs: 20_000 })
            .then((r) => r.results[0]?.category)
            .catch(() => undefined),
        { timeoutMs: 10_000, intervalMs: 100, description: "the body id in force" },
      );
      expect(category).toBe("classification for e by model dp-early");
    } finally {
      expect(await early.stop()).toBe(0);
      await runtime?.stop();
    }
  }, 120_000);
});
