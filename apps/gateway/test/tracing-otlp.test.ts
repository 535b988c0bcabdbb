import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "./support.js";

afterAll(stopAllProcesses);

// A stand-in OTLP/HTTP collector: records the path and body of every export request.
describe("OTEL_TRACES_EXPORTER=otlp", () => {
  const received: { path: string; body: string }[] = [];
  let collector: Server;
  let mesh: TestMesh;
  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    const { port } = collector.address() as AddressInfo;
    mesh = await startMesh({
      name: "otlp",
      env: {
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_SERVICE_NAME: "mesh-under-test",
      },
    });
  }, 120_000);
  afterAll(async () => {
    await mesh?.stop();
    await new Promise((resolve) => collector?.close(resolve));
  });

  it("exports the call's spans to the collector, at the latest when the gateway stops", async () => {
    await registerLoaded(mesh, "otlp-model");
    const traceId = randomBytes(16).toString("hex");
    await mesh.predictor.predict(
      { text: "export me" },
      {
        headers: {
          ...modelHeader("otlp-model"),
          traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
        },
        timeoutMs: 30_000,
      },
    );
    expect(await mesh.stop()).toBe(0);
    await waitUntil(() => received.some((r) => r.body.includes(traceId)), {
      timeoutMs: 10_000,
      description: "an export request holding the trace",
    });
    const exported = received.find((r) => r.body.includes(traceId));
    expect(exported?.path).toBe("/v1/traces");
    for (const text of ["modelmesh.inference", "modelmesh.runtime_call", "mesh-under-test", "otlp-model"]) {
      expect(exported?.body).toContain(text);
    }
  }, 60_000);
});
