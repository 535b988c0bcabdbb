import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "./support.js";

afterAll(stopAllProcesses);

const INVOKE = "invoking model runtime gRPC method: mmesh.ExamplePredictor/predict";

// MM_LOG_EACH_INVOKE and MM_LOG_REQUEST_HEADERS (§10.3): each runtime invocation logged at info,
// with the configured request headers as fields of the call's log lines.
describe("request logging", () => {
  let mesh: TestMesh;
  const modelId = "log-model";
  beforeAll(async () => {
    mesh = await startMesh({
      env: {
        MM_LOG_EACH_INVOKE: "true",
        MM_LOG_REQUEST_HEADERS: JSON.stringify({ "X-Request-Id": "requestId", "x-user-bin": "user" }),
      },
    });
    await registerLoaded(mesh, modelId);
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  const invokeLines = () => mesh.logs().filter((l) => l.msg === INVOKE);

  it("logs each runtime invocation at info with the mapped request headers", async () => {
    await mesh.predictor.predict(
      { text: "a" },
      {
        headers: {
          ...modelHeader(modelId),
          "x-request-id": "req-17",
          "x-user-bin": Buffer.from("zoë").toString("base64"),
        },
      },
    );
    const line = await waitUntil(() => invokeLines().find((l) => l.requestId === "req-17"), {
      timeoutMs: 10_000,
      description: "the invocation's log line",
    });
    expect(line).toMatchObject({ level: "info", modelId, requestId: "req-17", user: "zoë" });
  });

  it("leaves out headers a call does not carry", async () => {
    const before = invokeLines().length;
    await mesh.predictor.predict({ text: "b" }, { headers: modelHeader(modelId) });
    const line = await waitUntil(() => invokeLines()[before], {
      timeoutMs: 10_000,
      description: "the second invocation's log line",
    });
    expect(line).toMatchObject({ level: "info", modelId });
    expect(line).not.toHaveProperty("requestId");
    expect(line).not.toHaveProperty("user");
  });

  it("does not call the options unused", () => {
    expect(mesh.logs().filter((l) => String(l.msg).includes("not used"))).toEqual([]);
  });
});
