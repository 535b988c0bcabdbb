import { createStoreLayout, tableKey } from "@modelmesh/core";
import { type EtcdServer, startEtcd, stopAllEtcd } from "@modelmesh/testkit/etcd";
import { modelHeader, startMesh, TEST_SERVICE_NAME, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerLoaded } from "./support.js";

afterAll(async () => {
  await stopAllProcesses();
  await stopAllEtcd();
});

const INVOKE = "invoking model runtime gRPC method: mmesh.ExamplePredictor/predict";
const CHANGED = "log level changed by the store's config";

// Dynamic config keys (docs/logging.md): `config/<key>` in the store changes a running instance,
// written here straight into etcd as an operator (or ModelMesh Serving) would.
describe("dynamic config keys", () => {
  let etcd: EtcdServer;
  let mesh: TestMesh;
  let client: Etcd3;
  const layout = createStoreLayout({ serviceName: TEST_SERVICE_NAME });
  const key = (name: string) => tableKey(layout, "config", name);
  const modelId = "dyn-model";

  beforeAll(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.hostPort });
    mesh = await startMesh({ store: { kind: "etcd", endpoint: etcd.endpoint } });
    await registerLoaded(mesh, modelId);
  }, 120_000);
  afterAll(async () => {
    client?.close();
    expect(await mesh?.stop()).toBe(0);
    await etcd?.destroy();
  });

  const invokeLines = () => mesh.logs().filter((l) => l.msg === INVOKE);

  /** Sets (or deletes, with undefined) `config/logger_level` and waits until the mesh has applied it. */
  async function setLevel(value: string | undefined, expected: string): Promise<void> {
    const before = mesh.logs().filter((l) => l.msg === CHANGED).length;
    if (value === undefined) await client.delete().key(key("logger_level"));
    else await client.put(key("logger_level")).value(value);
    await waitUntil(
      () => mesh.logs().filter((l) => l.msg === CHANGED)[before]?.logLevel === expected || undefined,
      { timeoutMs: 10_000, description: `log level ${expected}` },
    );
  }

  /** Makes one call; returns its invocation line once a later marker line shows the log is complete. */
  async function callAndFindInvokeLine(text: string) {
    const before = invokeLines().length;
    await mesh.predictor.predict({ text }, { headers: modelHeader(modelId) });
    // An invalid value is logged at warn: a marker that the call's lines (written first) are out.
    const marker = `marker-${text}`;
    await client.put(key("log_each_invocation")).value(marker);
    await waitUntil(() => mesh.logs().find((l) => l.value === marker), {
      timeoutMs: 10_000,
      description: "the marker line",
    });
    return invokeLines()[before];
  }

  it("changes the log level without a restart; a deleted key restores MM_LOG_LEVEL", async () => {
    expect(await callAndFindInvokeLine("a")).toBeUndefined();
    await setLevel("DEBUG", "debug");
    const debugLine = await callAndFindInvokeLine("b");
    expect(debugLine).toMatchObject({ level: "debug", modelId });
    await setLevel("warn", "warn");
    // At warn the info invocation line must not be written.
    const before = invokeLines().length;
    await mesh.predictor.predict({ text: "c" }, { headers: modelHeader(modelId) });
    await setLevel(undefined, "configured");
    expect(invokeLines().length).toBe(before);
    expect(await callAndFindInvokeLine("d")).toBeUndefined();
  });

  it("ignores an invalid level with a warning and keeps the configured one", async () => {
    await setLevel("loud", "configured");
    const warning = mesh
      .logs()
      .find((l) => l.msg === "ignoring invalid dynamic log level; the configured level applies");
    expect(warning).toMatchObject({ level: "warn", value: "loud" });
    expect(await callAndFindInvokeLine("e")).toBeUndefined();
    await client.delete().key(key("logger_level"));
  });

  it("turns per-invocation logging on and off with log_each_invocation", async () => {
    await client.put(key("log_each_invocation")).value("true");
    await mesh.predictor.predict({ text: "f" }, { headers: modelHeader(modelId) });
    const line = await waitUntil(() => invokeLines().find((l) => l.level === "info"), {
      timeoutMs: 10_000,
      description: "an info invocation line",
    });
    expect(line).toMatchObject({ modelId });
    await client.put(key("log_each_invocation")).value("false");
    await waitUntil(
      async () => {
        const before = invokeLines().length;
        await mesh.predictor.predict({ text: "g" }, { headers: modelHeader(modelId) });
        return invokeLines().length === before || undefined;
      },
      { timeoutMs: 10_000, description: "invocation lines to stop" },
    );
    expect(await callAndFindInvokeLine("h")).toBeUndefined();
    await client.delete().key(key("log_each_invocation"));
  });

  it("refuses to start an instance while config/disable is set to anything but false", async () => {
    await client.put(key("disable")).value("true");
    try {
      const second = await startMesh({
        store: { kind: "etcd", endpoint: etcd.endpoint },
        waitReady: false,
        name: "modelmesh-disabled",
      });
      const code = await second.gateway.exited;
      expect(code, second.gateway.output()).toBe(1);
      const failure = second.logs().find((l) => l.level === "error");
      expect(failure?.msg).toContain('the store\'s config key "disable" is "true"');
      await second.stop();
    } finally {
      await client.delete().key(key("disable"));
    }
    // The running instance is not affected.
    expect(
      (await mesh.predictor.predict({ text: "i" }, { headers: modelHeader(modelId) })).results.length,
    ).toBeGreaterThan(0);
  });
});
