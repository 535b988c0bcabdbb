import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  type SetVModelRequestSchema,
  type VModelStatusInfo,
  VModelStatusInfo_VModelStatus as VStatus,
} from "@modelmesh/proto";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import type { TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel, statusOf } from "../support.js";
import {
  type ClusterStore,
  connectClusterStore,
  instanceAt,
  registerLoaded,
  reportLogsOnFailure,
  startCallLoop,
} from "./cluster-support.js";

/** The scale-up threshold the cluster runs with: high enough that no call load adds copies. */
const NO_SCALE_UP_RPM = 1_000_000;
/** Load time of the transitions' targets: long enough for a transition to be seen under way. */
const TARGET_LOAD_MS = 400;

/** One call by vmodel id: who made it, when it started, and which model answered. */
interface Answer {
  readonly caller: number;
  readonly startedMs: number;
  readonly modelId: string;
}

/** A `setVModel` that waited for its transition, and how long it took. */
interface Timed {
  readonly info: VModelStatusInfo;
  readonly tookMs: number;
}

/** A `setVModel` request (`sync` is added). */
type SetVModel = MessageInitShape<typeof SetVModelRequestSchema>;

const dummy = (path: string) => ({ type: "DUMMY", path });

/** Calls `vModelId` by `mm-vmodel-id` through `mesh`; resolves with the model that answered. */
async function callVModel(mesh: TestMesh, vModelId: string, text: string): Promise<string> {
  const response = await mesh.predictor.predict(
    { text },
    { headers: { "mm-vmodel-id": vModelId }, timeoutMs: 15_000 },
  );
  const category = response.results[0]?.category ?? "";
  const prefix = `classification for ${text} by model `;
  if (!category.startsWith(prefix)) throw new Error(`${mesh.instanceId}: unexpected answer ${category}`);
  return category.slice(prefix.length);
}

/** Runs of equal consecutive values: [a, a, b, a] → [a, b, a]. */
function runsOf(values: readonly string[]): string[] {
  return values.filter((value, i) => i === 0 || values[i - 1] !== value);
}

// Vmodel transitions on three instances sharing a real etcd, with the example runtime: callers
// keep calling a vmodel while it is re-targeted (no call fails, none goes back to the old model),
// the target is brought to the active model's scale before it takes over, and a target that
// cannot load leaves the vmodel on its old model until it is re-targeted again.
describe("vmodel transitions (cluster)", () => {
  let cluster: TestCluster;
  let store: ClusterStore;
  beforeAll(async () => {
    cluster = await startCluster({ size: 3, env: { MM_SCALEUP_RPM_THRESHOLD: String(NO_SCALE_UP_RPM) } });
    store = await connectClusterStore(cluster);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
  }, 60_000);

  const vstatus = (mesh: TestMesh, vModelId: string) => mesh.management.getVModelStatus({ vModelId });

  /** `setVModel` with `sync` through `mesh`, timed from the call to its answer. */
  async function setSync(mesh: TestMesh, request: SetVModel): Promise<Timed> {
    const startMs = Date.now();
    const info = await mesh.management.setVModel({ ...request, sync: true }, { timeoutMs: 120_000 });
    const tookMs = Date.now() - startMs;
    console.log(
      `setVModel ${request.vModelId} → ${request.targetModelId}: ${VStatus[info.status]} after ${tookMs} ms`,
    );
    return { info, tookMs };
  }

  /**
   * Waits until every instance's getVModelStatus reports the vmodel DEFINED with `modelId` active
   * (its mirror has the change), and returns the time the last one did.
   */
  async function activeEverywhere(vModelId: string, modelId: string): Promise<number> {
    for (const mesh of cluster.instances) {
      await waitUntil(
        async () => {
          const info = await vstatus(mesh, vModelId);
          return info.status === VStatus.DEFINED && info.activeModelId === modelId;
        },
        { timeoutMs: 10_000, intervalMs: 20, description: `${vModelId} → ${modelId} on ${mesh.instanceId}` },
      );
    }
    return Date.now();
  }

  /** Sets the dynamic scale-up threshold (undefined: back to the env's) and waits until all follow. */
  async function setThreshold(rpm: number | undefined): Promise<void> {
    await store.setConfig("scaleup_rpm_threshold", rpm === undefined ? undefined : String(rpm));
    const expected = rpm ?? NO_SCALE_UP_RPM;
    for (const mesh of cluster.instances) {
      await waitUntil(
        () =>
          mesh
            .logs()
            .filter((line) => line.msg === "scale-up threshold changed")
            .at(-1)?.to === expected,
        { timeoutMs: 20_000, intervalMs: 100, description: `${mesh.instanceId} threshold ${expected}` },
      );
    }
  }

  it("re-targets under load: no failed call, and no caller goes back to the old model", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const [v, a, b] = ["vt-v1", "vt-a", "vt-b"];
    const ingress = instanceAt(cluster, 0);
    await registerLoaded(ingress, a);
    expect(VStatus[(await setSync(ingress, { vModelId: v, targetModelId: a })).info.status]).toBe("DEFINED");
    await activeEverywhere(v, a);

    const answers: Answer[] = [];
    const callers = 8;
    const loop = startCallLoop(callers, async (caller, n) => {
      const mesh = instanceAt(cluster, caller % cluster.instances.length);
      const startedMs = Date.now();
      const modelId = await callVModel(mesh, v, `c${caller}/${n}`);
      answers.push({ caller, startedMs, modelId });
    });
    /** Waits until every caller has had a call answered that started at or after `sinceMs`. */
    const everyCallerSince = (sinceMs: number) =>
      waitUntil(
        () => new Set(answers.filter((x) => x.startedMs >= sinceMs).map((x) => x.caller)).size === callers,
        { timeoutMs: 20_000, intervalMs: 20, description: "a call by every caller" },
      );
    try {
      await everyCallerSince(Date.now());

      // A → B: B is created here, loads in TARGET_LOAD_MS, and is deleted once nothing refers to it.
      const toBStartMs = Date.now();
      const toB = await setSync(ingress, {
        vModelId: v,
        targetModelId: b,
        modelInfo: dummy(sizedModel(MiB, TARGET_LOAD_MS, 0)),
        autoDeleteTargetModel: true,
      });
      expect(VStatus[toB.info.status]).toBe("DEFINED");
      expect([toB.info.activeModelId, toB.info.targetModelId]).toEqual([b, b]);
      expect(toB.tookMs).toBeGreaterThanOrEqual(TARGET_LOAD_MS);
      const bEverywhereMs = await activeEverywhere(v, b);
      await everyCallerSince(bEverywhereMs);

      // B → A: A is still loaded on as many instances, so it becomes active at once, and B, which
      // no vmodel refers to any more, is deleted in the same transaction.
      const toAStartMs = Date.now();
      const toA = await setSync(ingress, { vModelId: v, targetModelId: a });
      expect(VStatus[toA.info.status]).toBe("DEFINED");
      expect([toA.info.activeModelId, toA.info.targetModelId]).toEqual([a, a]);
      expect(await store.model(b), "B's record").toBeUndefined();
      const aEverywhereMs = await activeEverywhere(v, a);
      await everyCallerSince(aEverywhereMs);
      await loop.stop();

      console.log(
        `re-target under load: ${loop.served} calls by vmodel, ${loop.failures.length} failed; ` +
          `A→B ${toB.tookMs} ms (everywhere after ${bEverywhereMs - toBStartMs} ms), ` +
          `B→A ${toA.tookMs} ms (everywhere after ${aEverywhereMs - toAStartMs} ms)`,
      );
      expect(loop.failures).toEqual([]);
      expect(answers.length).toBe(loop.served);
      expect(new Set(answers.map((x) => x.modelId))).toEqual(new Set([a, b]));
      // Before the first re-target only A; once every instance reports B active only B (until the
      // second re-target starts); once every instance reports A again only A.
      const answeredIn = (fromMs: number, toMs: number) =>
        new Set(answers.filter((x) => x.startedMs >= fromMs && x.startedMs < toMs).map((x) => x.modelId));
      expect(answeredIn(0, toBStartMs)).toEqual(new Set([a]));
      expect(answeredIn(bEverywhereMs, toAStartMs)).toEqual(new Set([b]));
      expect(answeredIn(aEverywhereMs, Number.POSITIVE_INFINITY)).toEqual(new Set([a]));
      // Per caller (calls in order): A…A B…B A…A, never back to a model it had left.
      for (let caller = 0; caller < callers; caller++) {
        const sequence = answers.filter((x) => x.caller === caller).map((x) => x.modelId);
        expect(runsOf(sequence), `caller ${caller}`).toEqual([a, b, a]);
      }
      for (const mesh of cluster.instances) {
        await waitUntil(async () => (await statusOf(mesh, b)) === Status.NOT_FOUND, {
          timeoutMs: 10_000,
          description: `B NOT_FOUND via ${mesh.instanceId}`,
        });
      }
    } finally {
      await loop.stop();
    }
  }, 120_000);

  it("a transition brings the target to as many copies as the active model has", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const [v, hot, c] = ["vt-v2", "vt-hot", "vt-c"];
    const ingress = instanceAt(cluster, 0);
    await registerLoaded(ingress, hot);
    await setSync(ingress, { vModelId: v, targetModelId: hot });
    await activeEverywhere(v, hot);

    // A low threshold and a burst of calls through the one holder: the other two instances are
    // idle (not too busy to take copies), so one rate check usually adds a copy on each (under a
    // second). When a check adds only one, the next waits out the "recent load" window: runs
    // have taken up to about 30 s.
    const [holderId] = await store.holders(hot);
    const holder = cluster.instances.find((mesh) => mesh.instanceId === holderId);
    if (holder === undefined) throw new Error(`no instance holds ${hot}`);
    await setThreshold(10);
    const scaleUpStartMs = Date.now();
    const loop = startCallLoop(3, async (caller, n) => {
      await callVModel(holder, v, `h${caller}/${n}`);
    });
    try {
      await waitUntil(async () => (await store.holders(hot)).length === cluster.instances.length, {
        timeoutMs: 90_000,
        intervalMs: 200,
        description: "a copy of the active model on every instance",
      });
      console.log(`scale matching: the active model had 3 copies after ${Date.now() - scaleUpStartMs} ms`);
    } finally {
      await loop.stop();
      await setThreshold(undefined);
    }
    expect(loop.failures).toEqual([]);

    // Another instance watches the vmodel; the first time it reports C active, C's copies count.
    const watcher = instanceAt(cluster, 1);
    let watching = true;
    const seen = new Set<string>();
    const watchUntilMs = Date.now() + 90_000;
    const watch = (async () => {
      while (watching && Date.now() < watchUntilMs) {
        const info = await vstatus(watcher, v).catch(() => undefined);
        if (info !== undefined) seen.add(VStatus[info.status] ?? "?");
        if (info?.status === VStatus.DEFINED && info.activeModelId === c) {
          const status = await watcher.management.getModelStatus({ modelId: c });
          return { holders: await store.holders(c), copies: status.modelCopyInfos };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    })();
    try {
      const toC = await setSync(ingress, {
        vModelId: v,
        targetModelId: c,
        modelInfo: dummy(sizedModel(MiB, TARGET_LOAD_MS, 0)),
        autoDeleteTargetModel: true,
      });
      expect(VStatus[toC.info.status]).toBe("DEFINED");
      expect(toC.info.activeModelId).toBe(c);
      const atSwitch = await watch;
      if (atSwitch === undefined) throw new Error("the watcher never saw C active");
      console.log(
        `scale matching: C took over with ${atSwitch.holders.length} copies after ${toC.tookMs} ms`,
      );
      expect(seen.has("TRANSITIONING"), `statuses seen: ${[...seen]}`).toBe(true);
      expect(atSwitch.holders.sort()).toEqual(cluster.instances.map((m) => m.instanceId).sort());
      const locations = new Set(
        atSwitch.copies.filter((copy) => Status[copy.copyStatus] === "UNKNOWN").map((copy) => copy.location),
      );
      expect(locations.size).toBe(cluster.instances.length);
      // Every copy was loaded in the transition (each took TARGET_LOAD_MS), one after the other.
      expect(toC.tookMs).toBeGreaterThanOrEqual(cluster.instances.length * TARGET_LOAD_MS);
    } finally {
      watching = false;
      await watch;
    }
  }, 180_000);

  it("a target that fails to load: TRANSITION_FAILED, calls stay on the old model, a new target completes", async () => {
    reportLogsOnFailure(() => cluster.instances);
    const [v, old, bad, good] = ["vt-v3", "vt-old", "vt-bad", "vt-good"];
    const message = "vt boom";
    const ingress = instanceAt(cluster, 2);
    await registerLoaded(ingress, old);
    await setSync(ingress, { vModelId: v, targetModelId: old });
    await activeEverywhere(v, old);

    const toBad = await setSync(ingress, {
      vModelId: v,
      targetModelId: bad,
      modelInfo: dummy(`FAIL_${message}`),
      autoDeleteTargetModel: true,
    });
    expect(VStatus[toBad.info.status]).toBe("TRANSITION_FAILED");
    expect([toBad.info.activeModelId, toBad.info.targetModelId]).toEqual([old, bad]);
    // The first failure marks the transition failed; the load may still be tried elsewhere until
    // it failed everywhere it was tried and no copy is left.
    for (const mesh of cluster.instances) {
      const failed = await waitUntil(
        async () => {
          const info = await vstatus(mesh, v);
          return Status[info.targetModelStatus?.status ?? Status.UNKNOWN] === "LOADING_FAILED"
            ? info
            : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 100, description: `target LOADING_FAILED via ${mesh.instanceId}` },
      );
      expect(VStatus[failed.status]).toBe("TRANSITION_FAILED");
      expect(failed.activeModelId).toBe(old);
      expect(Status[failed.activeModelStatus?.status ?? Status.UNKNOWN]).toBe("LOADED");
      const errors = failed.targetModelStatus?.errors ?? [];
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.endsWith(message), error).toBe(true);
    }
    // Calls by the vmodel still go to the old model, through every instance.
    for (const [i, mesh] of cluster.instances.entries()) {
      for (let n = 0; n < 5; n++) expect(await callVModel(mesh, v, `f${i}/${n}`)).toBe(old);
    }

    const toGood = await setSync(ingress, {
      vModelId: v,
      targetModelId: good,
      modelInfo: dummy(sizedModel(MiB, TARGET_LOAD_MS, 0)),
      autoDeleteTargetModel: true,
    });
    expect(VStatus[toGood.info.status]).toBe("DEFINED");
    expect([toGood.info.activeModelId, toGood.info.targetModelId]).toEqual([good, good]);
    // The failed target lost its only reference when the vmodel moved on: it is gone.
    expect(await store.model(bad), "the failed target's record").toBeUndefined();
    await activeEverywhere(v, good);
    for (const [i, mesh] of cluster.instances.entries()) {
      expect(await callVModel(mesh, v, `g${i}`)).toBe(good);
      await waitUntil(async () => (await statusOf(mesh, bad)) === Status.NOT_FOUND, {
        timeoutMs: 10_000,
        description: `the failed target NOT_FOUND via ${mesh.instanceId}`,
      });
    }
  }, 120_000);
  // Last: it kills an instance. The leader carries out transitions; killed while the target
  // loads, the instance elected next picks the transition up and completes it.
  it("leader killed during a transition: the new leader completes it", async () => {
    reportLogsOnFailure(() => cluster.instances);
    /** Whether `mesh` most recently logged that it became the leader. */
    const leads = (mesh: TestMesh) =>
      mesh
        .logs()
        .filter((line) => typeof line.isLeader === "boolean")
        .at(-1)?.isLeader === true;
    const leaderIndex = await waitUntil(
      () => {
        const i = cluster.instances.findIndex(leads);
        return i >= 0 ? i : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, description: "an instance that leads" },
    );
    const survivors = cluster.instances.filter((_, i) => i !== leaderIndex);
    const [ingress] = survivors;
    if (ingress === undefined) throw new Error("no survivor");
    const [v, before, after] = ["vt-v4", "vt-before", "vt-after"];
    const slowLoadMs = 3000;
    await registerLoaded(ingress, before);
    await setSync(ingress, { vModelId: v, targetModelId: before });
    await activeEverywhere(v, before);

    const startMs = Date.now();
    const pending = setSync(ingress, {
      vModelId: v,
      targetModelId: after,
      modelInfo: dummy(sizedModel(MiB, slowLoadMs, 0)),
      autoDeleteTargetModel: true,
    });
    // The leader has started loading the target: kill it (kill -9) in the middle of the load.
    await waitUntil(async () => (await store.holders(after)).length > 0, {
      timeoutMs: 10_000,
      description: "the target's load under way",
    });
    expect(VStatus[(await vstatus(ingress, v)).status]).toBe("TRANSITIONING");
    const killedMs = Date.now();
    await cluster.kill(leaderIndex, "SIGKILL");

    const done = await pending;
    console.log(
      `leader failover: transition done ${Date.now() - killedMs} ms after the kill (${done.tookMs} ms in all)`,
    );
    expect(VStatus[done.info.status]).toBe("DEFINED");
    expect([done.info.activeModelId, done.info.targetModelId]).toEqual([after, after]);
    expect(done.tookMs).toBeLessThan(60_000);
    expect(killedMs - startMs).toBeLessThan(slowLoadMs);
    // A survivor, elected leader, completed it (its log line may reach the test a moment later).
    await waitUntil(
      () =>
        survivors.some((mesh) =>
          mesh.logs().some((line) => line.msg === "vmodel transition complete" && line.vModelId === v),
        ),
      { timeoutMs: 10_000, description: "a survivor to log the completion" },
    );
    // One of the survivors leads now, and calls by the vmodel through both reach the new model.
    await waitUntil(() => survivors.some(leads), { timeoutMs: 30_000, description: "a new leader" });
    for (const [i, mesh] of survivors.entries()) {
      const modelId = await waitUntil(() => callVModel(mesh, v, `l${i}`).catch(() => undefined), {
        timeoutMs: 30_000,
        intervalMs: 250,
        description: `a call by the vmodel via ${mesh.instanceId}`,
      });
      expect(modelId).toBe(after);
    }
  }, 150_000);
});
