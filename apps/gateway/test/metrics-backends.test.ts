import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Code } from "@connectrpc/connect";
import { freePort } from "@modelmesh/testkit/free-port";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample, scrape } from "./metrics-support.js";
import { expectCode, registerLoaded } from "./support.js";

const entry = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** A UDP socket on a free loopback port that keeps every datagram it receives. */
async function udpReceiver(): Promise<{ socket: Socket; port: number; lines: string[] }> {
  const socket = createSocket("udp4");
  const lines: string[] = [];
  socket.on("message", (message) => lines.push(...message.toString("utf8").split("\n").filter(Boolean)));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { socket, port: (socket.address() as AddressInfo).port, lines };
}

let promMesh: TestMesh;
let promPort: number;
let statsdMesh: TestMesh;
let statsd: Awaited<ReturnType<typeof udpReceiver>>;

beforeAll(async () => {
  promPort = await freePort();
  statsd = await udpReceiver();
  [promMesh, statsdMesh] = await Promise.all([
    startMesh({
      name: "mesh-prometheus-http",
      env: { MM_METRICS: `prometheus:port=${promPort};scheme=http`, MM_LOG_PROMETHEUS_REQS: "true" },
    }),
    startMesh({ name: "mesh-statsd", env: { MM_METRICS: `statsd:port=${statsd.port}` } }),
  ]);
  for (const mesh of [promMesh, statsdMesh]) {
    await registerLoaded(mesh, "model-a");
    for (let i = 0; i < 3; i++)
      await mesh.predictor.predict({ text: "hi" }, { headers: modelHeader("model-a") });
    await expectCode(mesh.predictor.predict({ text: "hi" }, { headers: modelHeader("nope") }), Code.NotFound);
  }
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all([
    promMesh?.stop(),
    statsdMesh?.gateway.hasExited() ? 0 : statsdMesh?.stop(),
  ]);
  statsd?.socket.close();
  await stopAllProcesses();
  expect(codes).toEqual([0, 0]);
});

describe("Prometheus over http", () => {
  it("serves /metrics and / with method and code labels only", async () => {
    for (const path of ["/metrics", "/"]) {
      const s = await scrape(promPort, { path });
      expect(s.status, path).toBe(200);
      expect(s.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
      const ok = { method: "predict", code: "OK" };
      expect(s.samples.get(sample("modelmesh_api_request_milliseconds_count", ok))).toBe(3);
      expect(s.samples.get(sample("modelmesh_invoke_model_milliseconds_count", ok))).toBe(3);
      // The unknown model's call: counted with its code, no response size.
      const notFound = { method: "predict", code: "NOT_FOUND" };
      expect(s.samples.get(sample("modelmesh_api_request_milliseconds_count", notFound))).toBe(1);
      expect(s.samples.get(sample("modelmesh_response_size_bytes_count", notFound))).toBeUndefined();
      expect(s.samples.get(sample("modelmesh_loadmodel_milliseconds_count"))).toBe(1);
      expect(s.samples.get(sample("modelmesh_cache_hit"))).toBe(3);
      expect(s.text).not.toContain("modelId=");
    }
    expect((await scrape(promPort, { path: "/other" })).status).toBe(404);
  });

  it("limits the answer to the name[] given", async () => {
    const s = await scrape(promPort, {
      path: "/metrics?name[]=modelmesh_api_request_milliseconds_count&name[]=modelmesh_instance_models_total",
    });
    const families = new Set([...s.samples.keys()].map((k) => k.replace(/\{.*$/, "")));
    expect(families).toEqual(
      new Set([
        "modelmesh_api_request_milliseconds_bucket",
        "modelmesh_api_request_milliseconds_sum",
        "modelmesh_api_request_milliseconds_count",
        "modelmesh_instance_models_total",
      ]),
    );
  });

  it("gzips when the scraper accepts it", async () => {
    const s = await scrape(promPort, { gzip: true });
    expect(s.headers["content-encoding"]).toBe("gzip");
    expect(s.samples.get(sample("modelmesh_loadmodel_milliseconds_count"))).toBe(1);
  });

  it("logs each scrape with MM_LOG_PROMETHEUS_REQS", async () => {
    await scrape(promPort);
    expect(promMesh.logs().some((l) => l.msg === "metrics scraped" && l.level === "info")).toBe(true);
  });

  it("counts a completed vmodel transition", async () => {
    const quick = { type: "ExampleType", path: "SIZE_1024_0_0" };
    // v-1 loaded: moving to v-2 is then a transition (v-2 loads first), which sync waits for.
    await promMesh.management.setVModel({
      vModelId: "v",
      targetModelId: "v-1",
      modelInfo: quick,
      loadNow: true,
      sync: true,
    });
    const moved = await promMesh.management.setVModel({
      vModelId: "v",
      targetModelId: "v-2",
      modelInfo: quick,
      expectedTargetModelId: "v-1",
      sync: true,
    });
    expect(moved.activeModelId).toBe("v-2");
    const s = await scrape(promPort);
    expect(s.samples.get("modelmesh_vmodel_transitions")).toBe(1);
  });

  it("exports the leader gauges of a single instance, which leads", async () => {
    // Registered by now: model-a and the vmodel test's v-1 and v-2 (no autoDelete, so v-1 stays).
    // The gauge follows registry changes a moment later, so it is polled.
    await waitUntil(
      async () => (await scrape(promPort)).samples.get("modelmesh_models_managed_total") === 3,
      {
        timeoutMs: 10_000,
        intervalMs: 100,
        description: "leader gauges",
      },
    );
  });
});

describe("StatsD", () => {
  const tags = (code: string) => `#method=predict,code=${code}`;

  it("sends Sysdig-style tagged datagrams over UDP", async () => {
    await waitUntil(
      () => statsd.lines.some((l) => l.startsWith("modelmesh_instance_models_total_statsd:1|g")),
      {
        timeoutMs: 10_000,
        intervalMs: 50,
        description: "instance gauge datagram",
      },
    );
    const lines = statsd.lines;
    const count = (prefix: string) => lines.filter((l) => l.startsWith(prefix)).length;
    expect(count(`modelmesh_api_request_statsd${tags("OK")}:1|c`)).toBe(3);
    expect(count(`modelmesh_api_request_milliseconds_statsd${tags("OK")}:`)).toBe(3);
    expect(count(`modelmesh_invoke_model_statsd${tags("OK")}:1|c`)).toBe(3);
    // A failed call is counted under its code, without a time.
    expect(count(`modelmesh_api_request_statsd${tags("NOT_FOUND")}:1|c`)).toBe(1);
    expect(count(`modelmesh_api_request_milliseconds_statsd${tags("NOT_FOUND")}`)).toBe(0);
    expect(count(`modelmesh_request_size_bytes_statsd${tags("OK")}:`)).toBe(3);
    expect(count("modelmesh_loadmodel_statsd:1|c")).toBe(1);
    expect(count("modelmesh_loadmodel_milliseconds_statsd:")).toBe(1);
    expect(count("modelmesh_cache_hit_statsd:1|c")).toBe(3);
    for (const line of lines)
      expect(line).toMatch(/^[a-z_]+_statsd(#[a-zA-Z]+=[^,:]+(,[a-zA-Z]+=[^,:]+)*)?:-?[\d.]+\|(c|ms|g)$/);
  });
});

describe("StatsD at shutdown", () => {
  it("zeroes the instance gauges", async () => {
    expect(await statsdMesh.stop()).toBe(0);
    const last = (name: string) => statsd.lines.filter((l) => l.startsWith(`${name}:`)).at(-1);
    expect(last("modelmesh_instance_models_total_statsd")).toBe("modelmesh_instance_models_total_statsd:0|g");
    expect(last("modelmesh_instance_used_bytes_statsd")).toBe("modelmesh_instance_used_bytes_statsd:0|g");
    expect(last("modelmesh_instance_capacity_bytes_statsd")).toBe(
      "modelmesh_instance_capacity_bytes_statsd:0|g",
    );
  });
});

describe("bad metrics configuration", () => {
  it("stops start-up with exit code 2, every problem reported", async () => {
    const start = (name: string, env: Record<string, string>) =>
      startTsProcess({ name, entry, env: { MM_SERVICE_NAME: "bad-metrics", ...env } });
    const [a, b] = [
      start("bad-metrics-a", {
        MM_METRICS: "prometheus:scheme=ftp;color=red",
        MM_INFO_METRICS: "info;a=UNSET_VAR_X",
      }),
      start("bad-metrics-b", { MM_METRICS: "prometheus port=2112" }),
    ];
    expect(await Promise.all([a.exited, b.exited])).toEqual([2, 2]);
    expect(a.output()).toContain('unsupported Prometheus metrics scheme "ftp"');
    expect(a.output()).toContain('unrecognized prometheus parameter "color"');
    expect(a.output()).toContain("env var UNSET_VAR_X is unresolved");
    expect(b.output()).toContain('MM_METRICS="prometheus port=2112": is not of the form');
  });
});
