import { modelHeader, startMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, describe, expect, it } from "vitest";
import { sizedModel } from "./support.js";

afterAll(stopAllProcesses);

describe("graceful shutdown", () => {
  it("SIGTERM: /ready turns 503, the in-flight call completes, /prestop returns, the process exits 0", async () => {
    const mesh = await startMesh({ env: { SHUTDOWN_TIMEOUT_MS: "20000" } });
    const modelId = "drain-me";
    await mesh.management.registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: sizedModel(1024, 0, 0) },
      loadNow: true,
      sync: true,
    });
    // A call the runtime holds for 3 s.
    const inFlight = mesh.predictor.predict({ text: "test:delay:3000" }, { headers: modelHeader(modelId) });
    await mesh.runtime?.waitForEvent("delay-started");
    // The runtime container's preStop hook: blocks until the mesh is about to exit.
    const prestop = fetch(`http://127.0.0.1:${mesh.prestopPort}/prestop`).then((r) => r.text());
    mesh.gateway.child.kill("SIGTERM");
    await waitUntil(async () => (await mesh.probe("/ready")) !== 200, {
      timeoutMs: 10_000,
      description: "/ready to stop answering 200",
    });
    const response = await inFlight;
    expect(response.results[0]?.category).toBe(`classification for test:delay:3000 by model ${modelId}`);
    expect(await prestop).toBe("exiting");
    expect(await mesh.gateway.exited).toBe(0);
    expect(mesh.logs().some((l) => l.msg === "shutdown complete")).toBe(true);
    expect(mesh.runtime?.events("call-cancelled")).toHaveLength(0);
    await mesh.stop();
  });
});
