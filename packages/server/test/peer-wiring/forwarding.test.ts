import { type AddressInfo, createServer as createNetServer } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { instanceRecordCodec, modelRecordCodec } from "@modelmesh/core";
import { ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTypeConstraints } from "../../src/index.js";
import { type EtcdCluster, type PeerInstance, startEtcdCluster, startPeerInstance } from "./peer-cluster.js";

// Models of type "on-a" may only be loaded on instance A (the only one labelled "a"); those of
// type "prefer-a" go to A first but may be loaded on B.
const typeConstraints = parseTypeConstraints(
  JSON.stringify({ "on-a": { required: ["a"] }, "prefer-a": { preferred: ["a"] } }),
);
const timings = { instancePublishMinIntervalMs: 50, rateCheckFirstRunMs: 200, rateCheckIntervalMs: 500 };

const modelHeaders = (modelId: string) => ({ "mm-model-id": modelId });
const loadsOf = (instance: PeerInstance, modelId: string) =>
  instance.runtime.events("load-started").filter((e) => e.modelId === modelId).length;

describe("forwarding between two instances on one etcd", () => {
  let cluster: EtcdCluster;
  let a: PeerInstance;
  let b: PeerInstance;

  beforeAll(async () => {
    cluster = await startEtcdCluster("peer-wiring-forwarding-test");
    a = await startPeerInstance(cluster, { instanceId: "fw-a", labels: ["a"], timings, typeConstraints });
    b = await startPeerInstance(cluster, { instanceId: "fw-b", timings, typeConstraints });
    // Each instance must know the other before routing to it.
    await waitUntil(async () => (await b.management.getModelStatus({ modelId: "none" })) !== undefined);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await cluster?.close();
  });

  const register = (via: PeerInstance, modelId: string, loadNow: boolean, type = "on-a") =>
    via.management.registerModel({
      modelId,
      modelInfo: { type, path: "sentiment" },
      loadNow,
      sync: loadNow,
    });

  it("serves a model loaded on A through B, B's runtime never loading it", async () => {
    await register(a, "held-1", true);
    expect(loadsOf(a, "held-1")).toBe(1);
    for (let i = 0; i < 3; i++) {
      const answer = await b.predictor.predict({ text: "I love it" }, { headers: modelHeaders("held-1") });
      expect(answer.results[1]?.category).toBe("held-1");
    }
    await a.runtime.syncEvents();
    await b.runtime.syncEvents();
    expect(loadsOf(a, "held-1")).toBe(1);
    expect(loadsOf(b, "held-1")).toBe(0);
  });

  it("loads on A when a cache miss on B is placed there, and serves the call", async () => {
    await register(b, "miss-1", false);
    const answer = await b.predictor.predict({ text: "fine" }, { headers: modelHeaders("miss-1") });
    expect(answer.results[1]?.category).toBe("miss-1");
    await a.runtime.syncEvents();
    await b.runtime.syncEvents();
    expect(loadsOf(a, "miss-1")).toBe(1);
    expect(loadsOf(b, "miss-1")).toBe(0);
    const status = await b.management.getModelStatus({ modelId: "miss-1" });
    expect(status.modelCopyInfos.map((c) => c.location)).toEqual(["fw-a"]);
  });

  it("reloads transparently when A's copy disappears under B's calls", async () => {
    await register(a, "gone-1", true, "prefer-a");
    const first = await b.predictor.predict({ text: "x" }, { headers: modelHeaders("gone-1") });
    expect(first.results[1]?.category).toBe("gone-1");
    await b.runtime.syncEvents();
    expect([loadsOf(a, "gone-1"), loadsOf(b, "gone-1")]).toEqual([1, 0]);
    // Straight to A's runtime: neither mesh instance is told.
    await a.runtimeManagement.unloadModel({ modelId: "gone-1" }).catch((error: unknown) => {
      if (!(error instanceof ConnectError && error.code === Code.NotFound)) throw error;
    });
    // A answers not-here (its runtime lost the model); B, which still sees A's registration,
    // places a new copy elsewhere (itself) and serves the same call from it.
    const after = await b.predictor.predict({ text: "x" }, { headers: modelHeaders("gone-1") });
    expect(after.results[1]?.category).toBe("gone-1");
    await a.runtime.syncEvents();
    await b.runtime.syncEvents();
    expect(loadsOf(a, "gone-1") + loadsOf(b, "gone-1")).toBe(2);
    const again = await b.predictor.predict({ text: "y" }, { headers: modelHeaders("gone-1") });
    expect(again.results[1]?.category).toBe("gone-1");
  });

  it("makes A load a model that an ensureLoaded on B places there (status operation)", async () => {
    await register(b, "ensure-1", false);
    const status = await b.management.ensureLoaded({ modelId: "ensure-1", sync: true });
    expect(ModelStatusInfo_ModelStatus[status.status]).toBe("LOADED");
    await a.runtime.syncEvents();
    await b.runtime.syncEvents();
    expect([loadsOf(a, "ensure-1"), loadsOf(b, "ensure-1")]).toEqual([1, 0]);
    const seen = await b.management.getModelStatus({ modelId: "ensure-1" });
    expect(ModelStatusInfo_ModelStatus[seen.status]).toBe("LOADED");
  });

  it("passes A's runtime error through B with its code, without the peer protocol's trailers", async () => {
    const call = b.predictor.predict(
      { text: "test:error:code=INVALID_ARGUMENT:message=bad input" },
      { headers: modelHeaders("held-1") },
    );
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectError);
    const connectError = error as ConnectError;
    expect(connectError.code).toBe(Code.InvalidArgument);
    expect(connectError.rawMessage).toContain("bad input");
    const names = [...connectError.metadata.keys()];
    expect(names.filter((name) => name.startsWith("mm-internal-"))).toEqual([]);
    await b.runtime.syncEvents();
    expect(loadsOf(b, "held-1")).toBe(0);
  });

  it("scales a busy model out to B through the peer copy requester", async () => {
    await register(a, "hot-1", true, "prefer-a");
    expect([loadsOf(a, "hot-1"), loadsOf(b, "hot-1")]).toEqual([1, 0]);
    const config = await cluster.openStore();
    await config.config().create("scaleup_rpm_threshold", "10");
    await waitUntil(
      async () => {
        for (let i = 0; i < 5; i++) {
          await a.predictor.predict({ text: "busy" }, { headers: modelHeaders("hot-1") });
        }
        return loadsOf(b, "hot-1") >= 1;
      },
      { timeoutMs: 30_000, description: "a copy of hot-1 loaded on B" },
    );
    await waitUntil(
      async () => {
        const status = await a.management.getModelStatus({ modelId: "hot-1" });
        return (
          status.modelCopyInfos
            .map((c) => c.location)
            .sort()
            .join(",") === "fw-a,fw-b"
        );
      },
      { timeoutMs: 20_000, description: "two copies registered" },
    );
  });

  it("routes around a copy whose instance drops every connection, to the next copy", async () => {
    await register(a, "ghosted-1", true);
    // A "ghost" instance in the table whose internal port accepts and drops connections.
    let connections = 0;
    const ghost = createNetServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => ghost.listen(0, "127.0.0.1", resolve));
    const ghostPort = (ghost.address() as AddressInfo).port;
    const store = await cluster.openStore();
    const instances = store.table("instances", instanceRecordCodec);
    try {
      const aRecord = (await instances.get("fw-a"))?.value;
      if (aRecord === undefined) throw new Error("no record for fw-a");
      await instances.create("fw-ghost", { ...aRecord, internalEndpoint: `127.0.0.1:${ghostPort}` });
      await store.table("registry", modelRecordCodec).update("ghosted-1", (current) =>
        current === undefined
          ? undefined
          : {
              put: {
                ...current.value,
                instanceIds: { ...current.value.instanceIds, "fw-ghost": Date.now() - 60_000 },
              },
            },
      );
      await waitUntil(async () => {
        const status = await b.management.getModelStatus({ modelId: "ghosted-1" });
        return status.modelCopyInfos.some((c) => c.location === "fw-ghost");
      });
      // The copy picker alternates between the least recently used copies: within a few calls
      // the ghost is tried, fails to answer, and the call goes on to A's copy. (An earlier attempt,
      // e.g. while the status was polled, pauses the ghost for a second: it is then skipped, and
      // that attempt is the one counted.)
      for (let i = 0; i < 3; i++) {
        const answer = await b.predictor.predict({ text: "hi" }, { headers: modelHeaders("ghosted-1") });
        expect(answer.results[1]?.category).toBe("ghosted-1");
      }
      expect(connections).toBeGreaterThan(0);
      await b.runtime.syncEvents();
      expect(loadsOf(b, "ghosted-1")).toBe(0);
    } finally {
      const current = await instances.get("fw-ghost");
      if (current !== undefined) await instances.deleteIfRevision("fw-ghost", current.revision);
      await new Promise<void>((resolve) => ghost.close(() => resolve()));
    }
  });
});
