import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { type InstanceRecord, instanceRecordCodec } from "@modelmesh/core";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { modelHeader, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CallLoop,
  type ClusterStore,
  connectClusterStore,
  instanceAt,
  reportLogsOnFailure,
  startCallLoop,
} from "../cluster/cluster-support.js";
import { expectCode, MiB, registerLoaded, sizedModel } from "../support.js";
import { heldModels, lastLoggedLeadership } from "./etcd-outage-support.js";

/** Session lease TTL of the instances. */
const TTL_MS = 3000;
/** Instance record publish period: after etcd returns, every record must be current within it. */
const PUBLISH_INTERVAL_MS = 5000;
/** Store budget of one management call (`MM_KV_REQUEST_TIMEOUT_MS`). */
const STORE_TIMEOUT_MS = 2000;
/** How much later than its store budget a refused registerModel may answer on a busy machine. */
const ANSWER_SLACK_MS = 2500;

// Two instances on one etcd, with calls flowing through both, while etcd is frozen, killed and
// restarted, and gone longer than the session TTL. After each outage every instance's record
// must be back and current (its count matching what its runtime holds) within one publish
// interval; while etcd is unavailable a registration is refused within its bound and never
// applied later; loaded models are served throughout.
describe("etcd outages", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  let calls: CallLoop;
  const models = ["eo-0", "eo-1"];

  beforeAll(async () => {
    cluster = await startCluster({
      size: 2,
      runtimeArgs: { startTimeoutMs: 90_000 },
      env: {
        MM_KV_SESSION_TTL_MS: String(TTL_MS),
        MM_INSTANCE_PUBLISH_INTERVAL_MS: String(PUBLISH_INTERVAL_MS),
        MM_INSTANCE_PUBLISH_MIN_INTERVAL_MS: "0",
        MM_KV_REQUEST_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
      },
    });
    store = await connectClusterStore(cluster);
    await registerLoaded(instanceAt(cluster, 0), "eo-0");
    await registerLoaded(instanceAt(cluster, 1), "eo-1");
    // About 20 calls a second, every model through every instance (served there or forwarded).
    calls = startCallLoop(2, async (worker, n) => {
      const mesh = instanceAt(cluster, worker);
      const modelId = models[n % models.length] ?? "eo-0";
      const response = await mesh.predictor.predict(
        { text: "outage" },
        { headers: modelHeader(modelId), timeoutMs: 10_000 },
      );
      const category = response.results[0]?.category;
      if (category !== `classification for outage by model ${modelId}`)
        throw new Error(`answered ${category}`);
      await sleep(100);
    });
  }, 240_000);
  afterAll(async () => {
    if (cluster !== undefined) cluster.etcd.thaw();
    await calls?.stop();
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  /** The instance's published record, read from etcd. */
  const recordOf = (mesh: TestMesh): Promise<InstanceRecord | undefined> => store.instance(mesh.instanceId);

  /**
   * Waits until every instance's record is in the table and counts exactly the models its
   * runtime holds, by `deadlineMs` (epoch ms); returns the records.
   */
  const expectRecordsCurrent = async (deadlineMs: number, what: string) => {
    const mismatch = async (mesh: TestMesh) => {
      const record = await recordOf(mesh);
      const held = (await heldModels(mesh)).size;
      if (record === undefined) return `${mesh.instanceId}: no record`;
      if (record.shutdown) return `${mesh.instanceId}: marked shutdown`;
      return record.count === held
        ? undefined
        : `${mesh.instanceId}: record counts ${record.count}, holds ${held}`;
    };
    let last: (string | undefined)[] = [];
    try {
      await waitUntil(
        async () => {
          last = await Promise.all(cluster.instances.map(mismatch));
          return last.every((m) => m === undefined);
        },
        { timeoutMs: Math.max(0, deadlineMs - Date.now()), intervalMs: 100, description: what },
      );
    } catch (error) {
      throw new Error(`${String(error)} (${last.filter(Boolean).join("; ")})`);
    }
  };

  /** How many times each instance has re-created its session lease so far. */
  const recreations = () =>
    cluster.instances.map((mesh) => mesh.logs().filter((l) => l.msg === "session lease re-created").length);

  /**
   * After an outage that outlasted the session TTL: by `deadlineMs` every instance has a new lease
   * (its old records were deleted with the old one) and a current record again.
   */
  const expectRecreatedAndCurrent = async (before: readonly number[], deadlineMs: number, what: string) => {
    await waitUntil(() => recreations().every((n, i) => n > (before[i] ?? 0)), {
      timeoutMs: Math.max(0, deadlineMs - Date.now()),
      intervalMs: 50,
      description: `every session lease re-created (${what})`,
    });
    await expectRecordsCurrent(deadlineMs, what);
  };

  /** A registerModel through `mesh`, expected to be refused UNAVAILABLE within its bound. */
  const expectRefusedInBound = async (mesh: TestMesh, modelId: string) => {
    const started = Date.now();
    await expectCode(
      mesh.management.registerModel(
        { modelId, modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) } },
        { timeoutMs: 8000 },
      ),
      Code.Unavailable,
    );
    expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT_MS + ANSWER_SLACK_MS);
  };

  /**
   * After an outage: each instance registers and loads a new model (so its count changes), and
   * every record follows within a publish interval; exactly one instance leads; every process
   * lives and no call failed.
   */
  const expectRecovered = async (tag: string, failuresBefore: number) => {
    for (const [i, mesh] of cluster.instances.entries()) {
      await waitUntil(
        () =>
          registerLoaded(mesh, `eo-${tag}-${i}`).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 30_000, intervalMs: 250, description: `eo-${tag}-${i} registered and loaded` },
      );
    }
    await expectRecordsCurrent(Date.now() + PUBLISH_INTERVAL_MS, `records current after new loads (${tag})`);
    await waitUntil(() => cluster.instances.filter((m) => lastLoggedLeadership(m) === true).length === 1, {
      timeoutMs: 10_000,
      description: "exactly one leader",
    });
    for (const mesh of cluster.instances) expect(mesh.gateway.hasExited(), mesh.instanceId).toBe(false);
    expect(calls.failures.slice(failuresBefore)).toEqual([]);
  };

  /** The models each instance's runtime holds. */
  const holdings = () =>
    Promise.all(cluster.instances.map(async (mesh) => [...(await heldModels(mesh))].sort()));

  it("etcd frozen past the session TTL: writes refused in bound and never applied; records current after", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const failuresBefore = calls.failures.length;
    await expectRecordsCurrent(Date.now() + 30_000, "records current before the outage");
    const heldBefore = await holdings();
    const leasesBefore = recreations();
    const frozenAt = Date.now();
    await cluster.etcd.freeze();
    try {
      await expectRefusedInBound(instanceAt(cluster, 0), "eo-while-frozen");
      // Stay frozen past the session TTL, so both leases expire when etcd resumes.
      await sleep(Math.max(0, frozenAt + TTL_MS + 1000 - Date.now()));
    } finally {
      cluster.etcd.thaw();
    }
    await expectRecreatedAndCurrent(
      leasesBefore,
      Date.now() + PUBLISH_INTERVAL_MS,
      "records current after the thaw",
    );
    // Every lease expired when etcd resumed, so each instance's record was briefly missing for
    // the other: that is no reason to load the other's models here.
    expect(await holdings()).toEqual(heldBefore);
    // The refused registration was never sent: etcd, running again, has not applied it.
    expect(await store.model("eo-while-frozen")).toBeUndefined();
    await expectRecovered("frozen", failuresBefore);
    expect(await store.model("eo-while-frozen")).toBeUndefined();
  }, 120_000);

  it("etcd killed and restarted: writes refused in bound while it is down; records current after", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const failuresBefore = calls.failures.length;
    await cluster.etcd.kill();
    await expectRefusedInBound(instanceAt(cluster, 1), "eo-while-killed");
    await cluster.etcd.restart();
    await expectRecordsCurrent(Date.now() + PUBLISH_INTERVAL_MS, "records current after the restart");
    await expectRecovered("killed", failuresBefore);
    expect(await store.model("eo-while-killed")).toBeUndefined();
  }, 120_000);

  it("etcd gone longer than the session TTL: records re-created and current after", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const failuresBefore = calls.failures.length;
    const leasesBefore = recreations();
    await cluster.etcd.kill();
    // Let the sessions expire while etcd is away.
    await sleep(TTL_MS + 2000);
    await cluster.etcd.restart();
    await expectRecreatedAndCurrent(
      leasesBefore,
      Date.now() + PUBLISH_INTERVAL_MS,
      "records current after the long outage",
    );
    await expectRecovered("gone", failuresBefore);
  }, 120_000);

  it("after the outages, SIGTERM still publishes the shutdown mark before the record goes", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const leaving = instanceAt(cluster, 1);
    const marks: InstanceRecord[] = [];
    let deleted = false;
    const mirror = store.store.table("instances", instanceRecordCodec).mirror();
    try {
      await mirror.ready;
      mirror.subscribe((event) => {
        if (event.id !== leaving.instanceId) return;
        if (event.type === "deleted") deleted = true;
        else if (event.next.value.shutdown) marks.push(event.next.value);
      });
      await calls.stop();
      await cluster.kill(1, "SIGTERM");
      // Its last act is deleting its record; the mark must have come before.
      await waitUntil(() => deleted, { timeoutMs: 10_000, description: "the record deleted" });
      expect(marks.length, "records with shutdown: true published").toBeGreaterThan(0);
    } finally {
      mirror.close();
    }
  }, 60_000);
});
