import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMeshError, type MeshErrorCode } from "../errors.js";
import { EMPTY_MAP } from "../records/json-read.js";
import { addCopy, createModelRecord } from "../records/model-record.js";
import type { ModelRecord, VModelRecord } from "../records/types.js";
import { planSetVModel, type SetVModelRequest, type SetVModelState } from "./plan-set-vmodel.js";
import { planDeleteVModel, planPromotion, planTargetFailed } from "./plan-vmodel-changes.js";
import { copyCount, type ModelChange } from "./vmodel-refs.js";

const NOW = 1_700_000_000_000;
const HOUR = 3_600_000;

function request(changes: Partial<SetVModelRequest> = {}): SetVModelRequest {
  return {
    vModelId: "v",
    targetModelId: "b",
    updateOnly: false,
    autoDeleteTargetModel: false,
    loadNow: false,
    force: false,
    ...changes,
  };
}

interface ModelOptions {
  readonly refs?: number;
  readonly autoDelete?: boolean;
  readonly copies?: number;
  readonly lastUsedMs?: number;
  readonly path?: string;
}

function model(options: ModelOptions = {}): ModelRecord {
  let record: ModelRecord = {
    ...createModelRecord({
      type: "t",
      ...(options.path === undefined ? {} : { path: options.path }),
      autoDelete: options.autoDelete ?? false,
      lastUsedMs: options.lastUsedMs ?? 0,
    }),
    refs: options.refs ?? 0,
  };
  for (let i = 0; i < (options.copies ?? 0); i++) record = addCopy(record, `i${i}`, NOW - HOUR);
  return record;
}

function vmodel(
  activeModelId: string,
  targetModelId = activeModelId,
  changes: Partial<VModelRecord> = {},
): VModelRecord {
  return { owner: "alice", activeModelId, targetModelId, targetFailed: false, extra: EMPTY_MAP, ...changes };
}

/** The vmodel without an owner. */
function unowned({ owner: _owner, ...rest }: VModelRecord): VModelRecord {
  return rest;
}

function state(
  current: VModelRecord | undefined,
  models: Record<string, ModelRecord>,
  changes: Partial<SetVModelState> = {},
): SetVModelState {
  return {
    vmodel: current,
    models: new Map(Object.entries(models)),
    targetLoaded: false,
    nowMs: NOW,
    ...changes,
  };
}

function thrown(run: () => unknown): { code: MeshErrorCode; message: string } {
  try {
    run();
  } catch (error) {
    if (!isMeshError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error("expected a MeshError");
}

function refsOf(change: ModelChange | undefined): number | null | undefined {
  return change === null ? null : change?.refs;
}

describe("planSetVModel() errors", () => {
  interface ErrorCase {
    readonly name: string;
    readonly request: SetVModelRequest;
    readonly state: SetVModelState;
    readonly code: MeshErrorCode;
    readonly message: string;
  }
  const cases: readonly ErrorCase[] = [
    {
      name: "target missing without modelInfo (new vmodel)",
      request: request(),
      state: state(undefined, {}),
      code: "MODEL_NOT_FOUND",
      message: "Target model b not found",
    },
    {
      name: "target missing without modelInfo (existing vmodel)",
      request: request(),
      state: state(vmodel("a"), { a: model({ refs: 1 }) }),
      code: "MODEL_NOT_FOUND",
      message: "Target model b not found",
    },
    {
      name: "modelInfo with another type than the existing target",
      request: request({ modelInfo: { type: "other" } }),
      state: state(undefined, { b: model() }),
      code: "ALREADY_EXISTS",
      message: "Target model b already exists with different attribute values",
    },
    {
      name: "modelInfo with another path than the existing target",
      request: request({ modelInfo: { type: "t", path: "p2" } }),
      state: state(undefined, { b: model({ path: "p1" }) }),
      code: "ALREADY_EXISTS",
      message: "Target model b already exists with different attribute values",
    },
    {
      name: "modelInfo with a key the existing target lacks",
      request: request({ modelInfo: { type: "t", key: "k" } }),
      state: state(undefined, { b: model() }),
      code: "ALREADY_EXISTS",
      message: "Target model b already exists with different attribute values",
    },
    {
      name: "updateOnly on a missing vmodel",
      request: request({ updateOnly: true }),
      state: state(undefined, { b: model() }),
      code: "MODEL_NOT_FOUND",
      message: "vmodel v not found",
    },
    {
      name: "expectedTargetModelId on a missing vmodel, other than the target",
      request: request({ expectedTargetModelId: "x" }),
      state: state(undefined, { b: model() }),
      code: "FAILED_PRECONDITION",
      message: "vmodel v not found",
    },
    {
      name: "existing target neither expected nor requested",
      request: request({ targetModelId: "c", expectedTargetModelId: "x" }),
      state: state(vmodel("a", "b"), { a: model({ refs: 1 }), b: model({ refs: 1 }), c: model() }),
      code: "FAILED_PRECONDITION",
      message: "Existing target model b does not match expected x",
    },
    {
      name: "owner mismatch with expectedTargetModelId (names the requested owner)",
      request: request({ owner: "bob", expectedTargetModelId: "a" }),
      state: state(vmodel("a"), { a: model({ refs: 1 }), b: model() }),
      code: "ALREADY_EXISTS",
      message: 'vmodel v already exists with different owner "bob"',
    },
    {
      name: "owner mismatch without expectedTargetModelId (names the existing owner)",
      request: request({ owner: "bob" }),
      state: state(vmodel("a"), { a: model({ refs: 1 }), b: model() }),
      code: "ALREADY_EXISTS",
      message: 'vmodel v already exists with different owner "alice"',
    },
    {
      name: "owner given for a vmodel without one",
      request: request({ owner: "bob" }),
      state: state(unowned(vmodel("a")), { a: model({ refs: 1 }), b: model() }),
      code: "ALREADY_EXISTS",
      message: 'vmodel v already exists with different owner ""',
    },
  ];
  for (const c of cases) {
    it(`throws ${c.code} for ${c.name}`, () => {
      expect(thrown(() => planSetVModel(c.request, c.state))).toEqual({ code: c.code, message: c.message });
    });
  }

  it("creates when expectedTargetModelId on a missing vmodel equals the target", () => {
    const plan = planSetVModel(request({ expectedTargetModelId: "b" }), state(undefined, { b: model() }));
    expect(plan.createdVModel).toBe(true);
    expect(plan.vmodel.activeModelId).toBe("b");
  });

  it("accepts an expectedTargetModelId equal to the existing target", () => {
    const current = vmodel("a", "b");
    const models = { a: model({ refs: 1 }), b: model({ refs: 1 }), c: model() };
    const plan = planSetVModel(
      request({ targetModelId: "c", expectedTargetModelId: "b" }),
      state(current, models),
    );
    expect(plan.vmodel.targetModelId).toBe("c");
  });

  it("accepts an expectedTargetModelId when the existing target is already the requested one", () => {
    const current = vmodel("a", "b");
    const models = { a: model({ refs: 1, copies: 1 }), b: model({ refs: 1 }) };
    const plan = planSetVModel(request({ expectedTargetModelId: "x" }), state(current, models));
    expect(plan.write).toBe(false);
  });

  it("accepts any owner when the request names none", () => {
    const plan = planSetVModel(request(), state(vmodel("a"), { a: model({ refs: 1 }), b: model() }));
    expect(plan.vmodel.owner).toBe("alice");
  });

  it("accepts modelInfo matching the existing target (empty path = absent) without creating it", () => {
    const plan = planSetVModel(
      request({ modelInfo: { type: "t", path: "" } }),
      state(undefined, { b: model() }),
    );
    expect(plan.createdTarget).toBe(false);
    expect(refsOf(plan.modelChanges.get("b"))).toBe(1);
  });
});

describe("planSetVModel() creating a vmodel", () => {
  const ownerCases: ReadonlyArray<{
    name: string;
    owner?: string;
    defaultOwner?: string;
    expected?: string;
  }> = [
    { name: "the request's owner", owner: "bob", defaultOwner: "dflt", expected: "bob" },
    { name: "the default owner", defaultOwner: "dflt", expected: "dflt" },
    { name: "no owner" },
  ];
  for (const c of ownerCases) {
    it(`takes ${c.name}`, () => {
      const plan = planSetVModel(
        request(c.owner === undefined ? {} : { owner: c.owner }),
        state(
          undefined,
          { b: model() },
          c.defaultOwner === undefined ? {} : { defaultOwner: c.defaultOwner },
        ),
      );
      expect(plan.vmodel.owner).toBe(c.expected);
      expect("owner" in plan.vmodel).toBe(c.expected !== undefined);
    });
  }

  it("points active and target at the requested model and adds one reference", () => {
    const plan = planSetVModel(request(), state(undefined, { b: model({ refs: 2 }) }));
    expect(plan.vmodel).toEqual({
      activeModelId: "b",
      targetModelId: "b",
      targetFailed: false,
      extra: EMPTY_MAP,
    });
    expect(plan).toMatchObject({
      write: true,
      createdVModel: true,
      createdTarget: false,
      previousActiveCopies: 0,
    });
    expect([...plan.modelChanges.keys()]).toEqual(["b"]);
    expect(refsOf(plan.modelChanges.get("b"))).toBe(3);
  });

  for (const loadNow of [true, false]) {
    const lu = NOW - (loadNow ? 1 : 6) * HOUR;
    for (const autoDelete of [true, false]) {
      it(`creates the target with autoDelete ${autoDelete} and lu now − ${loadNow ? 1 : 6} h (loadNow ${loadNow})`, () => {
        const plan = planSetVModel(
          request({
            modelInfo: { type: "tt", path: "p", key: "k" },
            autoDeleteTargetModel: autoDelete,
            loadNow,
          }),
          state(undefined, {}),
        );
        expect(plan.createdTarget).toBe(true);
        expect(plan.initialLastUsedMs).toBe(lu);
        expect(plan.modelChanges.get("b")).toEqual({
          ...createModelRecord({ type: "tt", path: "p", key: "k", autoDelete, lastUsedMs: lu }),
          refs: 1,
        });
      });
    }
  }

  it("moves an existing target's older lu forward to the initial lu", () => {
    const plan = planSetVModel(request(), state(undefined, { b: model({ lastUsedMs: NOW - 9 * HOUR }) }));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - 6 * HOUR);
  });

  it("never moves an existing target's lu backwards", () => {
    const plan = planSetVModel(request(), state(undefined, { b: model({ lastUsedMs: NOW - 60_000 }) }));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - 60_000);
  });
});

describe("planSetVModel() re-targeting", () => {
  const switchCases: ReadonlyArray<{
    name: string;
    force?: boolean;
    activeCopies: number;
    targetCopies: number;
    targetLoaded: boolean;
    switches: boolean;
  }> = [
    {
      name: "with force",
      force: true,
      activeCopies: 2,
      targetCopies: 0,
      targetLoaded: false,
      switches: true,
    },
    {
      name: "when the active model has no copy",
      activeCopies: 0,
      targetCopies: 0,
      targetLoaded: false,
      switches: true,
    },
    {
      name: "when the target is loaded on as many copies",
      activeCopies: 2,
      targetCopies: 2,
      targetLoaded: true,
      switches: true,
    },
    {
      name: "when the target is loaded on more copies",
      activeCopies: 1,
      targetCopies: 3,
      targetLoaded: true,
      switches: true,
    },
    {
      name: "when the target is loaded on fewer copies",
      activeCopies: 2,
      targetCopies: 1,
      targetLoaded: true,
      switches: false,
    },
    {
      name: "when the target's copies are not loaded yet",
      activeCopies: 1,
      targetCopies: 1,
      targetLoaded: false,
      switches: false,
    },
    {
      name: "when the target has no copy",
      activeCopies: 1,
      targetCopies: 0,
      targetLoaded: false,
      switches: false,
    },
  ];
  for (const c of switchCases) {
    it(`${c.switches ? "switches at once" : "starts a transition"} ${c.name}`, () => {
      const models = { a: model({ refs: 1, copies: c.activeCopies }), b: model({ copies: c.targetCopies }) };
      const plan = planSetVModel(
        request({ force: c.force ?? false }),
        state(vmodel("a"), models, { targetLoaded: c.targetLoaded }),
      );
      expect(plan.write).toBe(true);
      expect(plan.previousActiveCopies).toBe(c.activeCopies);
      expect(plan.vmodel).toEqual(vmodel(c.switches ? "b" : "a", "b"));
      expect(refsOf(plan.modelChanges.get("b"))).toBe(1);
      expect(refsOf(plan.modelChanges.get("a"))).toBe(c.switches ? 0 : undefined);
    });
  }

  it("starts a transition to a target it creates while the active model has copies", () => {
    const plan = planSetVModel(
      request({ modelInfo: { type: "t" }, autoDeleteTargetModel: true }),
      state(vmodel("a"), { a: model({ refs: 1, copies: 1 }) }, { targetLoaded: true }),
    );
    expect(plan.vmodel).toEqual(vmodel("a", "b"));
    expect(plan.createdTarget).toBe(true);
    expect(plan.modelChanges.get("b")).toMatchObject({ refs: 1, autoDelete: true });
  });

  it("deletes the auto-delete active model it switches away from", () => {
    const plan = planSetVModel(
      request({ force: true }),
      state(vmodel("a"), { a: model({ refs: 1, autoDelete: true }), b: model() }),
    );
    expect(plan.modelChanges.get("a")).toBeNull();
  });

  it("clears the failure flag", () => {
    const current = vmodel("a", "x", { targetFailed: true });
    const models = { a: model({ refs: 1, copies: 1 }), x: model({ refs: 1 }), b: model() };
    const plan = planSetVModel(request(), state(current, models));
    expect(plan.vmodel).toEqual(vmodel("a", "b"));
  });

  const pendingCases: ReadonlyArray<{
    name: string;
    refs: number;
    autoDelete: boolean;
    expected: number | null;
  }> = [
    {
      name: "deleted when auto-delete and its last reference goes",
      refs: 1,
      autoDelete: true,
      expected: null,
    },
    { name: "kept when auto-delete and still referenced", refs: 2, autoDelete: true, expected: 1 },
    { name: "kept at 0 references when not auto-delete", refs: 1, autoDelete: false, expected: 0 },
  ];
  for (const c of pendingCases) {
    it(`drops the previous pending target's reference: ${c.name}`, () => {
      const models = {
        a: model({ refs: 1, copies: 1 }),
        x: model({ refs: c.refs, autoDelete: c.autoDelete }),
        b: model(),
      };
      const plan = planSetVModel(request(), state(vmodel("a", "x"), models));
      expect(plan.vmodel).toEqual(vmodel("a", "b"));
      expect(refsOf(plan.modelChanges.get("x"))).toBe(c.expected);
      expect(refsOf(plan.modelChanges.get("b"))).toBe(1);
      expect(plan.modelChanges.has("a")).toBe(false);
    });
  }

  it("ends the transition when re-pointed at the active model, without counting it twice", () => {
    const current = vmodel("b", "x", { targetFailed: true });
    const models = { b: model({ refs: 1, copies: 1 }), x: model({ refs: 1, autoDelete: true }) };
    const plan = planSetVModel(request(), state(current, models));
    expect(plan.vmodel).toEqual(vmodel("b"));
    expect(plan.write).toBe(true);
    expect([...plan.modelChanges.entries()]).toEqual([["x", null]]);
  });

  it("writes nothing for an identical repeat", () => {
    const current = vmodel("b");
    const plan = planSetVModel(request({ owner: "alice" }), state(current, { b: model({ refs: 1 }) }));
    expect(plan.write).toBe(false);
    expect(plan.vmodel).toBe(current);
    expect(plan.modelChanges.size).toBe(0);
  });

  it("writes nothing for an identical repeat with force", () => {
    const plan = planSetVModel(request({ force: true }), state(vmodel("b"), { b: model({ refs: 1 }) }));
    expect(plan.write).toBe(false);
    expect(plan.modelChanges.size).toBe(0);
  });

  it("writes nothing when the same target is already pending and force is not set", () => {
    const current = vmodel("a", "b", { targetFailed: true });
    const models = { a: model({ refs: 1, copies: 1 }), b: model({ refs: 1 }) };
    const plan = planSetVModel(request(), state(current, models, { targetLoaded: true }));
    expect(plan.write).toBe(false);
    expect(plan.vmodel).toBe(current);
    expect(plan.modelChanges.size).toBe(0);
  });

  for (const autoDelete of [false, true]) {
    it(`force on the pending target switches and only the old active loses a reference (autoDelete ${autoDelete})`, () => {
      const current = vmodel("a", "b", { targetFailed: true });
      const models = { a: model({ refs: 1, copies: 1, autoDelete }), b: model({ refs: 1 }) };
      const plan = planSetVModel(request({ force: true }), state(current, models));
      expect(plan.vmodel).toEqual(vmodel("b"));
      expect(plan.write).toBe(true);
      expect(refsOf(plan.modelChanges.get("a"))).toBe(autoDelete ? null : 0);
      // The target already holds this vmodel's reference: its count must not move.
      expect(plan.modelChanges.has("b")).toBe(false);
    });
  }
});

describe("planSetVModel() lu of a newly referenced target", () => {
  it("takes the previous active model's lu when newer", () => {
    const models = {
      a: model({ refs: 1, copies: 1, lastUsedMs: NOW - 2 * HOUR }),
      b: model({ lastUsedMs: NOW - 30 * HOUR }),
    };
    const plan = planSetVModel(request(), state(vmodel("a"), models));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - 2 * HOUR);
  });

  it("keeps its own lu when newer than the previous active model's", () => {
    const models = {
      a: model({ refs: 1, copies: 1, lastUsedMs: NOW - 2 * HOUR }),
      b: model({ lastUsedMs: NOW - HOUR }),
    };
    const plan = planSetVModel(request(), state(vmodel("a"), models));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - HOUR);
  });

  it("takes the initial lu when the previous active model has none", () => {
    const models = { a: model({ refs: 1, copies: 1 }), b: model({ lastUsedMs: NOW - 30 * HOUR }) };
    const plan = planSetVModel(request({ loadNow: true }), state(vmodel("a"), models));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - HOUR);
  });

  it("gives a created target the previous active model's lu", () => {
    const models = { a: model({ refs: 1, copies: 1, lastUsedMs: NOW - 2 * HOUR }) };
    const plan = planSetVModel(request({ modelInfo: { type: "t" } }), state(vmodel("a"), models));
    expect(plan.modelChanges.get("b")?.lastUsedMs).toBe(NOW - 2 * HOUR);
  });

  it("leaves the lu of a target the vmodel already refers to", () => {
    const current = vmodel("b", "x");
    const models = {
      b: model({ refs: 1, copies: 1, lastUsedMs: NOW - 20 * HOUR }),
      x: model({ refs: 1, lastUsedMs: NOW }),
    };
    const plan = planSetVModel(request(), state(current, models));
    expect(plan.modelChanges.has("b")).toBe(false);
  });
});

/**
 * Random sequences of set / force / promote / fail / delete operations (and copy-count changes)
 * over a few vmodels and models, checking after every step that:
 * - every model's `refs` equals the number of vmodels whose active or target is that model;
 * - every model a vmodel refers to exists;
 * - an auto-delete model whose last reference went in the step is gone;
 * - no surviving model's `lu` moved backwards.
 */
describe("vmodel planners (property)", () => {
  type Op =
    | {
        readonly op: "set";
        readonly v: number;
        readonly m: number;
        readonly force: boolean;
        readonly withInfo: boolean;
        readonly autoDelete: boolean;
        readonly loadNow: boolean;
        readonly loaded: boolean;
      }
    | { readonly op: "promote" | "delete"; readonly v: number }
    | { readonly op: "fail"; readonly v: number; readonly failed: boolean }
    | { readonly op: "copies"; readonly m: number; readonly copies: number };

  const VMODELS = 3;
  const MODELS = 5;
  const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("set"),
        v: fc.nat(VMODELS - 1),
        m: fc.nat(MODELS - 1),
        force: fc.boolean(),
        withInfo: fc.boolean(),
        autoDelete: fc.boolean(),
        loadNow: fc.boolean(),
        loaded: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("promote"), v: fc.nat(VMODELS - 1) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("delete"), v: fc.nat(VMODELS - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({ op: fc.constant("fail"), v: fc.nat(VMODELS - 1), failed: fc.boolean() }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ op: fc.constant("copies"), m: fc.nat(MODELS - 1), copies: fc.nat(3) }),
    },
  );

  interface Store {
    readonly vmodels: Map<string, VModelRecord>;
    readonly models: Map<string, ModelRecord>;
  }

  function apply(
    store: Store,
    id: string,
    vm: VModelRecord | null,
    changes: ReadonlyMap<string, ModelChange>,
  ): void {
    if (vm === null) store.vmodels.delete(id);
    else store.vmodels.set(id, vm);
    for (const [modelId, change] of changes) {
      if (change === null) store.models.delete(modelId);
      else store.models.set(modelId, change);
    }
  }

  function setVModel(store: Store, op: Extract<Op, { op: "set" }>, nowMs: number): void {
    const id = `v${op.v}`;
    const targetId = `m${op.m}`;
    const current = store.vmodels.get(id);
    const target = store.models.get(targetId);
    let plan: ReturnType<typeof planSetVModel>;
    try {
      plan = planSetVModel(
        request({
          vModelId: id,
          targetModelId: targetId,
          force: op.force,
          loadNow: op.loadNow,
          autoDeleteTargetModel: op.autoDelete,
          ...(op.withInfo ? { modelInfo: { type: "t" } } : {}),
        }),
        { vmodel: current, models: store.models, targetLoaded: op.loaded && copyCount(target) > 0, nowMs },
      );
    } catch (error) {
      // Only a missing target can fail here (no owner, no compare-and-set, same attributes).
      expect(isMeshError(error) && error.code).toBe("MODEL_NOT_FOUND");
      expect(target).toBeUndefined();
      return;
    }
    if (!plan.write) {
      expect(plan.vmodel).toBe(current);
      expect(plan.modelChanges.size).toBe(0);
      return;
    }
    apply(store, id, plan.vmodel, plan.modelChanges);
  }

  function step(store: Store, op: Op, nowMs: number): void {
    switch (op.op) {
      case "set":
        setVModel(store, op, nowMs);
        return;
      case "copies": {
        const record = store.models.get(`m${op.m}`);
        if (record === undefined) return;
        let next: ModelRecord = { ...record, instanceIds: EMPTY_MAP };
        for (let i = 0; i < op.copies; i++) next = addCopy(next, `i${i}`, nowMs);
        store.models.set(`m${op.m}`, next);
        return;
      }
      default:
        changeVModel(store, op);
    }
  }

  function changeVModel(store: Store, op: Extract<Op, { op: "promote" | "delete" | "fail" }>): void {
    const id = `v${op.v}`;
    const current = store.vmodels.get(id);
    if (current === undefined) return;
    const plan =
      op.op === "fail"
        ? planTargetFailed(current, op.failed)
        : op.op === "promote"
          ? planPromotion(current, store.models)
          : planDeleteVModel(current, store.models);
    apply(store, id, plan.vmodel, plan.modelChanges);
  }

  function referenceCounts(store: Store): Map<string, number> {
    const counts = new Map<string, number>();
    for (const vm of store.vmodels.values()) {
      for (const modelId of new Set([vm.activeModelId, vm.targetModelId])) {
        counts.set(modelId, (counts.get(modelId) ?? 0) + 1);
      }
    }
    return counts;
  }

  function checkInvariants(before: ReadonlyMap<string, ModelRecord>, store: Store): void {
    const counts = referenceCounts(store);
    for (const modelId of counts.keys()) expect(store.models.has(modelId), `${modelId} exists`).toBe(true);
    for (const [modelId, record] of store.models) {
      expect(record.refs, `refs of ${modelId}`).toBe(counts.get(modelId) ?? 0);
      const previous = before.get(modelId);
      if (previous === undefined) continue;
      expect(record.lastUsedMs, `lu of ${modelId}`).toBeGreaterThanOrEqual(previous.lastUsedMs);
      const lostLast = previous.refs > 0 && record.refs === 0;
      expect(lostLast && record.autoDelete, `${modelId} auto-deleted`).toBe(false);
    }
    for (const [modelId, previous] of before) {
      if (store.models.has(modelId)) continue;
      // Only an auto-delete model whose last reference went may disappear.
      expect(previous.autoDelete && previous.refs > 0 && !counts.has(modelId), `${modelId} deleted`).toBe(
        true,
      );
    }
  }

  it("keeps reference counts exact and auto-deletes unreferenced models", () => {
    fc.assert(
      fc.property(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), fc.nat(3), (ops, preexisting) => {
        const store: Store = { vmodels: new Map(), models: new Map() };
        // Some models exist before any vmodel (never auto-deleted); the rest are created by setVModel.
        for (let m = 0; m < preexisting; m++) {
          store.models.set(`m${m}`, createModelRecord({ type: "t", lastUsedMs: NOW - m * HOUR }));
        }
        let nowMs = NOW;
        for (const op of ops) {
          nowMs += 60_000;
          const before = new Map(store.models);
          step(store, op, nowMs);
          checkInvariants(before, store);
        }
      }),
      { numRuns: 500, seed: 20240601 },
    );
  });
});
