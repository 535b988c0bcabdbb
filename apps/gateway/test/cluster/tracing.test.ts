import { randomBytes } from "node:crypto";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import type { MeshLogLine, TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** One span as the `console-json` exporter logs it. */
interface LoggedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: string;
  readonly attributes: Record<string, unknown>;
}

function spansOf(mesh: TestMesh, traceId: string): LoggedSpan[] {
  return mesh
    .logs()
    .filter((line: MeshLogLine) => line.msg === "span" && line.traceId === traceId)
    .map((line) => line as unknown as LoggedSpan);
}

function named(spans: readonly LoggedSpan[], name: string): LoggedSpan {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no ${name} span among ${spans.map((s) => s.name).join(", ")}`);
  return span;
}

// Only the instance labelled "target" may load models of this type, so a cold call through the
// other instance is forwarded there with "load here".
const TYPE = "traced-type";
const typeConstraints = JSON.stringify({ [TYPE]: { required: ["target"] } });

describe("tracing across a forwarding instance", () => {
  let cluster: TestCluster;
  let ingress: TestMesh;
  let target: TestMesh;
  beforeAll(async () => {
    cluster = await startCluster({
      size: 2,
      env: { MM_TYPE_CONSTRAINTS: typeConstraints, OTEL_TRACES_EXPORTER: "console-json" },
      perInstance: (i) => (i === 1 ? { env: { MM_LABELS: "target" } } : {}),
    });
    [ingress, target] = cluster.instances as [TestMesh, TestMesh];
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  it("one cold call has one trace id across both instances and the runtime", async () => {
    const modelId = "traced-model";
    await ingress.management.registerModel({
      modelId,
      modelInfo: { type: TYPE, path: "SIZE_1048576_200_0" },
      loadNow: false,
    });
    const traceId = randomBytes(16).toString("hex");
    const clientSpanId = randomBytes(8).toString("hex");
    let received: string | null = null;
    const response = await ingress.predictor.predict(
      { text: "trace me" },
      {
        headers: { "mm-model-id": modelId, traceparent: `00-${traceId}-${clientSpanId}-01` },
        timeoutMs: 60_000,
        onHeader: (headers) => {
          received = headers.get("example-received-traceparent");
        },
      },
    );
    expect(response.results[0]?.category).toContain(modelId);

    const names = ["modelmesh.inference", "modelmesh.route", "modelmesh.forward"];
    const targetNames = [
      ...names.slice(0, 2),
      "modelmesh.load_queue",
      "modelmesh.load",
      "modelmesh.runtime_call",
    ];
    await waitUntil(
      () =>
        names.every((n) => spansOf(ingress, traceId).some((s) => s.name === n)) &&
        targetNames.every((n) => spansOf(target, traceId).some((s) => s.name === n)),
      { timeoutMs: 10_000, intervalMs: 100, description: "every span of the call logged" },
    );
    const first = spansOf(ingress, traceId);
    const second = spansOf(target, traceId);

    // Ingress: the client's span is the parent; routing decides to forward.
    const ingressCall = named(first, "modelmesh.inference");
    expect(ingressCall).toMatchObject({ kind: "server", parentSpanId: clientSpanId });
    const ingressRoute = named(first, "modelmesh.route");
    expect(ingressRoute).toMatchObject({
      parentSpanId: ingressCall.spanId,
      attributes: { "modelmesh.model_id": modelId },
    });
    const forward = named(first, "modelmesh.forward");
    expect(forward).toMatchObject({
      kind: "client",
      parentSpanId: ingressRoute.spanId,
      attributes: { "modelmesh.model_id": modelId, "modelmesh.peer_instance_id": target.instanceId },
    });
    expect(ingressCall.attributes["modelmesh.model_id"]).toBe(modelId);

    // Target: continues from the forward span; queues, loads, then calls the runtime.
    const targetCall = named(second, "modelmesh.inference");
    expect(targetCall).toMatchObject({ kind: "server", parentSpanId: forward.spanId });
    const targetRoute = named(second, "modelmesh.route");
    expect(targetRoute.parentSpanId).toBe(targetCall.spanId);
    for (const name of ["modelmesh.load_queue", "modelmesh.load", "modelmesh.runtime_call"]) {
      expect(named(second, name), name).toMatchObject({
        parentSpanId: targetRoute.spanId,
        attributes: { "modelmesh.model_id": modelId },
      });
    }
    const runtimeCall = named(second, "modelmesh.runtime_call");

    // The runtime got the trace, with the mesh's runtime-call span as the parent.
    expect(received).toBe(`00-${traceId}-${runtimeCall.spanId}-01`);
  }, 120_000);

  it("a call by vmodel id names the vmodel on the inference span and the model on the route", async () => {
    await ingress.management.setVModel({ vModelId: "traced-vmodel", targetModelId: "traced-model" });
    const traceId = randomBytes(16).toString("hex");
    await ingress.predictor.predict(
      { text: "by vmodel" },
      {
        headers: {
          "mm-vmodel-id": "traced-vmodel",
          traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01`,
        },
        timeoutMs: 30_000,
      },
    );
    await waitUntil(() => spansOf(ingress, traceId).some((s) => s.name === "modelmesh.inference"), {
      timeoutMs: 10_000,
      description: "the vmodel call's server span",
    });
    const spans = spansOf(ingress, traceId);
    expect(named(spans, "modelmesh.inference").attributes["modelmesh.vmodel_id"]).toBe("traced-vmodel");
    expect(named(spans, "modelmesh.route").attributes["modelmesh.model_id"]).toBe("traced-model");
  }, 60_000);

  it("an unsampled call records nothing and passes the client's traceparent on untouched", async () => {
    const traceId = randomBytes(16).toString("hex");
    const traceparent = `00-${traceId}-${randomBytes(8).toString("hex")}-00`;
    let received: string | null = null;
    await ingress.predictor.predict(
      { text: "not sampled" },
      {
        headers: { "mm-model-id": "traced-model", traceparent },
        timeoutMs: 30_000,
        onHeader: (headers) => {
          received = headers.get("example-received-traceparent");
        },
      },
    );
    expect(received).toBe(traceparent);
    // The exporter only ever sees sampled spans; the header above is what shows the mesh stayed out.
    expect([...spansOf(ingress, traceId), ...spansOf(target, traceId)]).toEqual([]);
  }, 60_000);

  it("a call without traceparent starts a new trace, still carried to the runtime", async () => {
    const modelId = "traced-model";
    let received: string | null = null;
    await target.predictor.predict(
      { text: "no parent" },
      {
        headers: { "mm-model-id": modelId },
        timeoutMs: 30_000,
        onHeader: (headers) => {
          received = headers.get("example-received-traceparent");
        },
      },
    );
    expect(received).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const traceId = String(received).split("-")[1] ?? "";
    await waitUntil(() => spansOf(target, traceId).some((s) => s.name === "modelmesh.inference"), {
      timeoutMs: 10_000,
      description: "the new trace's server span",
    });
    expect(named(spansOf(target, traceId), "modelmesh.inference").parentSpanId).toBeUndefined();
  }, 60_000);
});
