import { Code } from "@connectrpc/connect";
import { startEtcd } from "@modelmesh/testkit/etcd";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectCode, MiB, registerLoaded, Status, sizedModel, statusOf } from "./support.js";
import {
  categoryVia,
  etcdRawStore,
  expectError,
  expectVModelAbsent,
  type RawStore,
  VStatus,
  vmodelHeader,
  waitForVModelStatus,
} from "./vmodel-support.js";

/** The store a run of the suite uses: the embedded one, or a real etcd started for it. */
export type VModelsSuiteStore = "embedded" | "etcd";

/** A model the example runtime loads at once, or after `loadMs`. */
const quick = (loadMs = 0) => ({ type: "DUMMY", path: sizedModel(MiB, loadMs, 0) });

/**
 * VModelsTest and VModelsOwnerTest of the original, and the vmodel RPCs' errors and edge cases,
 * against one gateway and example runtime on `storeKind`. Every test uses its own ids. On etcd the
 * records are also read (and, for the original's JSON, written) raw.
 */
export function describeVModelsSuite(name: string, storeKind: VModelsSuiteStore): void {
  describe(name, () => {
    let mesh: TestMesh;
    let raw: RawStore | undefined;
    const refsOf = async (modelId: string) => (await raw?.getJson("registry", modelId))?.refs ?? 0;

    beforeAll(async () => {
      if (storeKind === "etcd") {
        const etcd = await startEtcd();
        raw = etcdRawStore(etcd.hostPort);
        mesh = await startMesh({ store: { kind: "etcd", endpoint: etcd.endpoint } });
      } else {
        mesh = await startMesh({ store: { kind: "embedded" } });
      }
    }, 120_000);
    afterAll(async () => {
      raw?.close();
      expect(await mesh?.stop()).toBe(0);
    });

    it("vModelsTest: create, refuse to delete a referenced model, serve, transition, compare-and-set, delete", async () => {
      const m = mesh.management;
      await registerLoaded(mesh, "vt-m1");
      const created = await m.setVModel({ vModelId: "vt", targetModelId: "vt-m1" });
      expect([VStatus[created.status], created.activeModelId, created.targetModelId]).toEqual([
        "DEFINED",
        "vt-m1",
        "vt-m1",
      ]);
      expect(Status[created.activeModelStatus?.status ?? -1]).toBe("LOADED");
      if (raw) expect(await refsOf("vt-m1")).toBe(1);

      await expectError(
        m.unregisterModel({ modelId: "vt-m1" }),
        Code.FailedPrecondition,
        "Model vt-m1 has referents",
      );
      expect(await categoryVia(mesh, vmodelHeader("vt"))).toBe("classification for x by model vt-m1");
      const bin = { "mm-vmodel-id-bin": Buffer.from("vt").toString("base64") };
      expect(await categoryVia(mesh, bin, "b")).toBe("classification for b by model vt-m1");

      // A new target, created for the vmodel and deleted with it; vt-m1 has a copy, so this is a
      // transition, which sync waits for.
      const retarget = {
        vModelId: "vt",
        targetModelId: "vt-m2",
        modelInfo: quick(),
        autoDeleteTargetModel: true,
        updateOnly: true,
        expectedTargetModelId: "vt-m1",
        sync: true,
      };
      const moved = await m.setVModel(retarget);
      expect([VStatus[moved.status], moved.activeModelId, moved.targetModelId]).toEqual([
        "DEFINED",
        "vt-m2",
        "vt-m2",
      ]);
      expect(Status[moved.activeModelStatus?.status ?? -1]).toBe("LOADED");
      expect(moved.targetModelStatus).toBeUndefined();
      expect(await categoryVia(mesh, vmodelHeader("vt"))).toBe("classification for x by model vt-m2");
      if (raw) expect([await refsOf("vt-m1"), await refsOf("vt-m2")]).toEqual([0, 1]);
      if (raw) expect((await raw.getJson("registry", "vt-m2"))?.autoDel).toBe(true);

      // The previous model was not auto-delete: it stays, and nothing refers to it any more.
      expect(Status[await statusOf(mesh, "vt-m1")]).toBe("LOADED");
      await m.unregisterModel({ modelId: "vt-m1" });
      expect(Status[await statusOf(mesh, "vt-m1")]).toBe("NOT_FOUND");

      // The same request again: the target is already the requested one, so the stale expectation passes.
      const again = await m.setVModel(retarget);
      expect([VStatus[again.status], again.activeModelId]).toEqual(["DEFINED", "vt-m2"]);
      if (raw) expect(await refsOf("vt-m2")).toBe(1);

      await expectError(
        m.setVModel({
          vModelId: "vt",
          targetModelId: "vt-m3",
          modelInfo: quick(),
          expectedTargetModelId: "vt-m1",
        }),
        Code.FailedPrecondition,
        "Existing target model vt-m2 does not match expected vt-m1",
      );
      await expectError(
        m.setVModel({ vModelId: "vt-absent", targetModelId: "vt-m2", expectedTargetModelId: "vt-m1" }),
        Code.FailedPrecondition,
        "vmodel vt-absent not found",
      );
      expectVModelAbsent(await m.getVModelStatus({ vModelId: "vt-absent" }));
      expect(Status[await statusOf(mesh, "vt-m3")], "a refused request creates nothing").toBe("NOT_FOUND");

      // Async, to a target that takes a while to load: the active model stays until it is loaded.
      const pending = await m.setVModel({ vModelId: "vt", targetModelId: "vt-m3", modelInfo: quick(1500) });
      expect([VStatus[pending.status], pending.activeModelId, pending.targetModelId]).toEqual([
        "TRANSITIONING",
        "vt-m2",
        "vt-m3",
      ]);
      expect(Status[pending.targetModelStatus?.status ?? -1]).toBe("LOADING");
      const status = await m.getVModelStatus({ vModelId: "vt" });
      expect([VStatus[status.status], status.activeModelId, status.targetModelId]).toEqual([
        "TRANSITIONING",
        "vt-m2",
        "vt-m3",
      ]);
      expect(await categoryVia(mesh, vmodelHeader("vt"))).toBe("classification for x by model vt-m2");
      if (raw) expect([await refsOf("vt-m2"), await refsOf("vt-m3")]).toEqual([1, 1]);

      // A sync request for the pending target changes nothing and waits for the transition.
      const waited = await m.setVModel({ vModelId: "vt", targetModelId: "vt-m3", sync: true });
      expect([VStatus[waited.status], waited.activeModelId]).toEqual(["DEFINED", "vt-m3"]);
      const done = await m.getVModelStatus({ vModelId: "vt" });
      expect(VStatus[done.status]).toBe("DEFINED");
      expect([done.activeModelId, done.targetModelId]).toEqual(["vt-m3", "vt-m3"]);
      expect(done.targetModelStatus).toBeUndefined();
      expect(await categoryVia(mesh, vmodelHeader("vt"))).toBe("classification for x by model vt-m3");
      // vt-m2 was created with autoDeleteTargetModel and lost its last reference.
      expect(Status[await statusOf(mesh, "vt-m2")]).toBe("NOT_FOUND");
      if (raw) expect(await raw.getJson("registry", "vt-m2")).toBeUndefined();

      await m.deleteVModel({ vModelId: "vt" });
      expectVModelAbsent(await m.getVModelStatus({ vModelId: "vt" }));
      await expectError(categoryVia(mesh, vmodelHeader("vt")), Code.NotFound, "vmodel not found");
      // vt-m3 was not auto-delete: it remains, unreferenced.
      expect(Status[await statusOf(mesh, "vt-m3")]).toBe("LOADED");
      if (raw) expect(await refsOf("vt-m3")).toBe(0);
      await m.unregisterModel({ modelId: "vt-m3" });
    });

    it("vModelOwnerTest: owners on create, update, status and delete", async () => {
      const m = mesh.management;
      await registerLoaded(mesh, "vo-m1");
      await registerLoaded(mesh, "vo-m2");
      const unowned = await m.setVModel({ vModelId: "vo-none", targetModelId: "vo-m1" });
      expect(unowned.owner).toBe("");
      expect((await m.getVModelStatus({ vModelId: "vo-none" })).owner).toBe("");

      const owned = await m.setVModel({ vModelId: "vo", targetModelId: "vo-m1", owner: "alice" });
      expect(owned.owner).toBe("alice");
      expect((await m.getVModelStatus({ vModelId: "vo", owner: "alice" })).owner).toBe("alice");
      expect((await m.getVModelStatus({ vModelId: "vo" })).owner).toBe("alice");

      const sameOwner = await m.setVModel({
        vModelId: "vo",
        targetModelId: "vo-m2",
        owner: "alice",
        sync: true,
      });
      expect([sameOwner.activeModelId, sameOwner.owner]).toEqual(["vo-m2", "alice"]);
      const noOwner = await m.setVModel({ vModelId: "vo", targetModelId: "vo-m1", sync: true });
      expect([noOwner.activeModelId, noOwner.owner]).toEqual(["vo-m1", "alice"]);

      await expectError(
        m.setVModel({ vModelId: "vo", targetModelId: "vo-m2", owner: "bob" }),
        Code.AlreadyExists,
        'vmodel vo already exists with different owner "alice"',
      );
      // With a compare-and-set the original names the caller's owner instead.
      await expectError(
        m.setVModel({ vModelId: "vo", targetModelId: "vo-m2", owner: "bob", expectedTargetModelId: "vo-m1" }),
        Code.AlreadyExists,
        'vmodel vo already exists with different owner "bob"',
      );
      expectVModelAbsent(await m.getVModelStatus({ vModelId: "vo", owner: "bob" }));

      await m.deleteVModel({ vModelId: "vo", owner: "bob" });
      const kept = await m.getVModelStatus({ vModelId: "vo" });
      expect([VStatus[kept.status], kept.activeModelId, kept.owner]).toEqual(["DEFINED", "vo-m1", "alice"]);
      await m.deleteVModel({ vModelId: "vo", owner: "alice" });
      expectVModelAbsent(await m.getVModelStatus({ vModelId: "vo" }));
      await m.deleteVModel({ vModelId: "vo-none" });
    });

    it("answers each setVModel, deleteVModel and getVModelStatus error with the original's code and message", async () => {
      const m = mesh.management;
      await registerLoaded(mesh, "ve-m");
      const cases: [string, () => Promise<unknown>, Code, string][] = [
        [
          "empty vModelId",
          () => m.setVModel({ targetModelId: "ve-m" }),
          Code.InvalidArgument,
          "Must provide vModelId",
        ],
        [
          "empty targetModelId",
          () => m.setVModel({ vModelId: "ve" }),
          Code.InvalidArgument,
          "Must provide target modelId for vmodel ve",
        ],
        [
          "unknown target, no modelInfo",
          () => m.setVModel({ vModelId: "ve", targetModelId: "ve-nope" }),
          Code.NotFound,
          "Target model ve-nope not found",
        ],
        [
          "modelInfo differing from the existing target",
          () =>
            m.setVModel({ vModelId: "ve", targetModelId: "ve-m", modelInfo: { type: "OTHER", path: "p" } }),
          Code.AlreadyExists,
          "Target model ve-m already exists with different attribute values",
        ],
        [
          "updateOnly on a missing vmodel",
          () => m.setVModel({ vModelId: "ve", targetModelId: "ve-m", updateOnly: true }),
          Code.NotFound,
          "vmodel ve not found",
        ],
        [
          "modelInfo with a path but no type",
          () => m.setVModel({ vModelId: "ve", targetModelId: "ve-new", modelInfo: { path: "p" } }),
          Code.InvalidArgument,
          "Must provide non-empty model type string",
        ],
        ["deleteVModel without id", () => m.deleteVModel({}), Code.InvalidArgument, "Must provide vModelId"],
        [
          "getVModelStatus without id",
          () => m.getVModelStatus({}),
          Code.InvalidArgument,
          "Must provide vModelId",
        ],
      ];
      for (const [what, call, code, message] of cases) {
        await expectError(call(), code, message).catch((error: unknown) => {
          throw new Error(`${what}: ${String(error)}`);
        });
      }
      // None of them wrote anything.
      expectVModelAbsent(await m.getVModelStatus({ vModelId: "ve" }));
      expect(Status[await statusOf(mesh, "ve-new")]).toBe("NOT_FOUND");
      if (raw) expect(await refsOf("ve-m")).toBe(0);
      // Deleting an absent vmodel succeeds.
      await m.deleteVModel({ vModelId: "ve-never" });
      await m.unregisterModel({ modelId: "ve-m" });
    });

    it("keeps the model and vmodel id spaces apart", async () => {
      await registerLoaded(mesh, "same");
      await registerLoaded(mesh, "vi-other");
      await mesh.management.setVModel({ vModelId: "same", targetModelId: "vi-other" });
      expect(await categoryVia(mesh, modelHeader("same"))).toBe("classification for x by model same");
      expect(await categoryVia(mesh, vmodelHeader("same"))).toBe("classification for x by model vi-other");
      expect((await mesh.management.getVModelStatus({ vModelId: "same" })).activeModelId).toBe("vi-other");
      expect(Status[await statusOf(mesh, "same")]).toBe("LOADED");
      // "same" as a model has no referents: only vi-other is referenced.
      await mesh.management.unregisterModel({ modelId: "same" });
      expect(await categoryVia(mesh, vmodelHeader("same"))).toBe("classification for x by model vi-other");
      await mesh.management.deleteVModel({ vModelId: "same" });
    });

    it("refuses an oversized vmodel id and answers NOT_FOUND for an unknown vmodel", async () => {
      const huge = "v".repeat(MiB);
      const refused = await expectCode(
        mesh.management.setVModel({ vModelId: huge, targetModelId: "x" }),
        Code.InvalidArgument,
      );
      expect(refused.rawMessage).toMatch(/vModelId/);
      const kib = "v".repeat(1025);
      await expectCode(mesh.management.getVModelStatus({ vModelId: kib }), Code.InvalidArgument);
      // A 1 MiB header never leaves this process: Node's HTTP/2 client refuses to send a header
      // block over 64 KiB and resets the stream itself (the gateway sees no request).
      const unsent = await expectCode(categoryVia(mesh, vmodelHeader(huge)), Code.Internal);
      expect(unsent.rawMessage).toContain("NGHTTP2_REFUSED_STREAM");
      // One the client does send, over the gateway's header-list limit: refused before the id check.
      await expectCode(categoryVia(mesh, vmodelHeader("v".repeat(32 * 1024))), Code.ResourceExhausted);
      await expectCode(categoryVia(mesh, vmodelHeader(kib)), Code.InvalidArgument);
      const kibBin = { "mm-vmodel-id-bin": Buffer.from(kib).toString("base64") };
      await expectCode(categoryVia(mesh, kibBin), Code.InvalidArgument);
      await expectError(categoryVia(mesh, vmodelHeader("vb-nope")), Code.NotFound, "vmodel not found");
      // The gateway still serves.
      expectVModelAbsent(await mesh.management.getVModelStatus({ vModelId: "vb-nope" }));
    });

    it("a failing target leaves the old model serving (TRANSITION_FAILED); a new target then completes", async () => {
      const m = mesh.management;
      await registerLoaded(mesh, "vf-good");
      await m.setVModel({ vModelId: "vf", targetModelId: "vf-good" });
      const started = await m.setVModel({
        vModelId: "vf",
        targetModelId: "vf-bad",
        modelInfo: { type: "DUMMY", path: "FAIL_boom" },
      });
      expect(started.activeModelId).toBe("vf-good");
      const failed = await waitForVModelStatus(mesh, "vf", VStatus.TRANSITION_FAILED);
      expect([failed.activeModelId, failed.targetModelId]).toEqual(["vf-good", "vf-bad"]);
      expect(Status[failed.activeModelStatus?.status ?? -1]).toBe("LOADED");
      expect(Status[failed.targetModelStatus?.status ?? -1]).toBe("LOADING_FAILED");
      expect(failed.targetModelStatus?.errors.some((e) => e.endsWith("boom"))).toBe(true);
      expect(await categoryVia(mesh, vmodelHeader("vf"))).toBe("classification for x by model vf-good");

      const fixed = await m.setVModel({
        vModelId: "vf",
        targetModelId: "vf-fixed",
        modelInfo: quick(),
        sync: true,
      });
      expect([VStatus[fixed.status], fixed.activeModelId, fixed.targetModelId]).toEqual([
        "DEFINED",
        "vf-fixed",
        "vf-fixed",
      ]);
      expect(await categoryVia(mesh, vmodelHeader("vf"))).toBe("classification for x by model vf-fixed");
      // The abandoned target lost its reference and can go.
      if (raw) expect(await refsOf("vf-bad")).toBe(0);
      await m.unregisterModel({ modelId: "vf-bad" });
      await m.unregisterModel({ modelId: "vf-good" });
      await m.deleteVModel({ vModelId: "vf" });
    });

    it("serves setVModel and getVModelStatus over Connect's JSON protocol", async () => {
      await registerLoaded(mesh, "vj-m");
      const set = await mesh.connectJson("setVModel", {
        vModelId: "vj",
        targetModelId: "vj-m",
        owner: "json",
      });
      expect(set).toMatchObject({
        status: 200,
        body: { status: "DEFINED", activeModelId: "vj-m", targetModelId: "vj-m", owner: "json" },
      });
      const got = await mesh.connectJson("getVModelStatus", { vModelId: "vj" });
      expect(got).toMatchObject({
        status: 200,
        body: { status: "DEFINED", activeModelId: "vj-m", activeModelStatus: { status: "LOADED" } },
      });
      const bad = await mesh.connectJson("setVModel", { targetModelId: "vj-m" });
      expect(bad).toEqual({
        status: 400,
        body: { code: "invalid_argument", message: "Must provide vModelId" },
      });
      expect(await mesh.connectJson("deleteVModel", { vModelId: "vj", owner: "json" })).toEqual({
        status: 200,
        body: {},
      });
      expect(await mesh.connectJson("getVModelStatus", { vModelId: "vj" })).toEqual({
        status: 200,
        body: {},
      });
    });

    // Only etcd holds records the original wrote: the case exists in the etcd run alone.
    if (storeKind === "etcd")
      it("serves a vmodel record written in the original's JSON and keeps its unknown fields", async () => {
        const store = raw as RawStore;
        await registerLoaded(mesh, "vr-m");
        await store.putText("vmodels", "vr", '{"amid":"vr-m","tmid":"vr-m","o":"team","extraField":1}');
        // The instance learns of the record by its watch, or reads it from the store on a miss.
        expect(await categoryVia(mesh, vmodelHeader("vr"))).toBe("classification for x by model vr-m");
        const status = await mesh.management.getVModelStatus({ vModelId: "vr" });
        expect([VStatus[status.status], status.activeModelId, status.owner]).toEqual([
          "DEFINED",
          "vr-m",
          "team",
        ]);

        const moved = await mesh.management.setVModel({
          vModelId: "vr",
          targetModelId: "vr-m2",
          modelInfo: quick(),
          owner: "team",
          sync: true,
        });
        expect([VStatus[moved.status], moved.activeModelId]).toEqual(["DEFINED", "vr-m2"]);
        expect(await store.getJson("vmodels", "vr")).toEqual({
          o: "team",
          amid: "vr-m2",
          tmid: "vr-m2",
          extraField: 1,
        });
        expect(await refsOf("vr-m2")).toBe(1);
        expect(await categoryVia(mesh, vmodelHeader("vr"))).toBe("classification for x by model vr-m2");
      });
  });
}
