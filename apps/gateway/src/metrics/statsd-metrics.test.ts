import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { noopLogger } from "@modelmesh/core";
import { afterEach, describe, expect, it } from "vitest";
import { createStatsdMetrics, type StatsdMetrics } from "./statsd-metrics.js";

/** Sends through a real UDP socket and returns the datagrams received for `send`. */
async function received(
  options: { legacy: boolean; fqNames: boolean },
  send: (metrics: StatsdMetrics) => void,
  expected: number,
): Promise<string[]> {
  const socket = createSocket("udp4");
  const lines: string[] = [];
  socket.on("message", (m) => lines.push(...m.toString("utf8").split("\n").filter(Boolean)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const metrics = createStatsdMetrics({
    port: (socket.address() as AddressInfo).port,
    logger: noopLogger,
    ...options,
  });
  closers.push(async () => {
    await metrics.close();
    socket.close();
  });
  send(metrics);
  for (let i = 0; i < 200 && lines.length < expected; i++) await new Promise((r) => setTimeout(r, 10));
  return lines.sort();
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const call = {
  method: "mmesh.ExamplePredictor/predict",
  code: "OK",
  elapsedMs: 12.7,
  requestBytes: 20,
  responseBytes: 30,
  modelId: "m",
  vModelId: "",
};
const stats = {
  lruMs: 1_700_000_000_000,
  lruAgeMs: 61_000,
  capacityBytes: 100 * 8192,
  usedBytes: 25 * 8192,
  modelCount: 2,
};

describe("createStatsdMetrics()", () => {
  it("writes Sysdig tags into the name and sizes in bytes", async () => {
    const lines = await received(
      { legacy: false, fqNames: false },
      (m) => {
        m.apiRequest(call);
        m.instanceStats(stats);
      },
      10,
    );
    expect(lines).toEqual(
      [
        "modelmesh_api_request_milliseconds_statsd#method=predict,code=OK:12|ms",
        "modelmesh_api_request_statsd#method=predict,code=OK:1|c",
        "modelmesh_request_size_bytes_statsd#method=predict,code=OK:20|ms",
        "modelmesh_response_size_bytes_statsd#method=predict,code=OK:30|ms",
        "modelmesh_instance_lru_seconds_statsd:1700000000|g",
        "modelmesh_instance_lru_age_seconds_statsd:61|g",
        "modelmesh_instance_capacity_bytes_statsd:819200|g",
        "modelmesh_instance_used_bytes_statsd:204800|g",
        "modelmesh_instance_used_bps_statsd:2500|g",
        "modelmesh_instance_models_total_statsd:2|g",
      ].sort(),
    );
  });

  it("uses the legacy dotted names, method and code in the name, capacity in 8 KiB units", async () => {
    const lines = await received(
      { legacy: true, fqNames: true },
      (m) => {
        m.apiRequest(call);
        m.apiRequest({ ...call, code: "NOT_FOUND", responseBytes: -1 });
        m.loaded("m", 40);
        m.instanceStats(stats);
      },
      14,
    );
    expect(lines).toEqual(
      [
        "model-mesh.api-mmesh.ExamplePredictor.predict:12|ms",
        "model-mesh.api-mmesh.ExamplePredictor.predict.OK:1|c",
        "model-mesh.reqSize-mmesh.ExamplePredictor.predict.OK:20|ms",
        "model-mesh.respSize-mmesh.ExamplePredictor.predict.OK:30|ms",
        "model-mesh.api-mmesh.ExamplePredictor.predict.NOT_FOUND:1|c",
        "model-mesh.reqSize-mmesh.ExamplePredictor.predict.NOT_FOUND:20|ms",
        "model-mesh.loadModel:40|ms",
        "model-mesh.loadModel:1|c",
        "model-mesh.localLruTimestamp:1700000000|g",
        "model-mesh.localLruAge:61|g",
        "model-mesh.totalCapacity:100|g",
        "model-mesh.totalUsed:25|g",
        "model-mesh.capacityUsage:2500|g",
        "model-mesh.modelCount:2|g",
      ].sort(),
    );
  });
});
