import { describe, expect, it } from "vitest";
import { EMPTY_MAP } from "../records/json-read.js";
import { createModelRecord } from "../records/model-record.js";
import type { ModelRecord, VModelRecord } from "../records/types.js";
import {
  inTransition,
  planDeleteVModel,
  planPromotion,
  planTargetFailed,
  type VModelStatus,
  vmodelStatus,
} from "./plan-vmodel-changes.js";

function vmodel(activeModelId: string, targetModelId = activeModelId, targetFailed = false): VModelRecord {
  return { owner: "o", activeModelId, targetModelId, targetFailed, extra: EMPTY_MAP };
}

function model(refs: number, autoDelete = false): ModelRecord {
  return { ...createModelRecord({ type: "t", autoDelete }), refs };
}

function models(entries: Record<string, ModelRecord>): ReadonlyMap<string, ModelRecord | undefined> {
  return new Map(Object.entries(entries));
}

describe("planDeleteVModel()", () => {
  it("deletes the vmodel and drops its reference on the active model", () => {
    const plan = planDeleteVModel(vmodel("a"), models({ a: model(2) }));
    expect(plan.vmodel).toBeNull();
    expect([...plan.modelChanges.keys()]).toEqual(["a"]);
    expect(plan.modelChanges.get("a")?.refs).toBe(1);
  });

  it("deletes an auto-delete active model losing its last reference", () => {
    const plan = planDeleteVModel(vmodel("a"), models({ a: model(1, true) }));
    expect(plan.modelChanges.get("a")).toBeNull();
  });

  it("drops one reference each on the active model and the pending target", () => {
    const plan = planDeleteVModel(vmodel("a", "b"), models({ a: model(1), b: model(3, true) }));
    expect(plan.vmodel).toBeNull();
    expect(plan.modelChanges.get("a")?.refs).toBe(0);
    expect(plan.modelChanges.get("b")?.refs).toBe(2);
  });

  it("deletes the auto-delete models of a vmodel in transition", () => {
    const plan = planDeleteVModel(vmodel("a", "b"), models({ a: model(1, true), b: model(1, true) }));
    expect(plan.modelChanges.get("a")).toBeNull();
    expect(plan.modelChanges.get("b")).toBeNull();
  });

  it("keeps a model that is not auto-delete at 0 references", () => {
    const plan = planDeleteVModel(vmodel("a", "b"), models({ a: model(1), b: model(1, true) }));
    expect(plan.modelChanges.get("a")).toEqual({ ...model(0) });
    expect(plan.modelChanges.get("b")).toBeNull();
  });
});

describe("planPromotion()", () => {
  it("makes the target active, clears the failure flag and drops the old active's reference", () => {
    const plan = planPromotion(vmodel("a", "b", true), models({ a: model(2), b: model(1) }));
    expect(plan.vmodel).toEqual(vmodel("b", "b", false));
    expect([...plan.modelChanges.keys()]).toEqual(["a"]);
    expect(plan.modelChanges.get("a")?.refs).toBe(1);
  });

  it("deletes an auto-delete old active model losing its last reference", () => {
    const plan = planPromotion(vmodel("a", "b"), models({ a: model(1, true), b: model(1, true) }));
    expect(plan.modelChanges.get("a")).toBeNull();
    expect(plan.modelChanges.has("b")).toBe(false);
  });

  it("keeps an auto-delete old active model still referenced elsewhere", () => {
    const plan = planPromotion(vmodel("a", "b"), models({ a: model(2, true), b: model(1) }));
    expect(plan.modelChanges.get("a")?.refs).toBe(1);
  });

  it("moves no reference when not in transition", () => {
    const plan = planPromotion(vmodel("a"), models({ a: model(1, true) }));
    expect(plan.vmodel).toEqual(vmodel("a"));
    expect(plan.modelChanges.size).toBe(0);
  });
});

describe("planTargetFailed()", () => {
  for (const failed of [true, false]) {
    it(`sets the failure flag to ${failed} and moves no reference`, () => {
      const plan = planTargetFailed(vmodel("a", "b", !failed), failed);
      expect(plan.vmodel).toEqual(vmodel("a", "b", failed));
      expect(plan.modelChanges.size).toBe(0);
    });
  }
});

describe("inTransition()", () => {
  it("is false when the target is the active model", () => {
    expect(inTransition(vmodel("a"))).toBe(false);
  });

  it("is true when the target differs from the active model", () => {
    expect(inTransition(vmodel("a", "b"))).toBe(true);
  });
});

describe("vmodelStatus()", () => {
  const cases: ReadonlyArray<{ name: string; vmodel: VModelRecord | undefined; expected: VModelStatus }> = [
    { name: "absent", vmodel: undefined, expected: "NOT_FOUND" },
    { name: "not in transition", vmodel: vmodel("a"), expected: "DEFINED" },
    {
      name: "not in transition with a stale failure flag",
      vmodel: vmodel("a", "a", true),
      expected: "DEFINED",
    },
    { name: "in transition", vmodel: vmodel("a", "b"), expected: "TRANSITIONING" },
    { name: "in transition, target failed", vmodel: vmodel("a", "b", true), expected: "TRANSITION_FAILED" },
  ];
  for (const c of cases) {
    it(`is ${c.expected} when ${c.name}`, () => {
      expect(vmodelStatus(c.vmodel)).toBe(c.expected);
    });
  }
});
