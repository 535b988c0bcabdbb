import { describe, expect, it } from "vitest";
import { EMPTY_MAP } from "../records/json-read.js";
import { addCopy, createModelRecord } from "../records/model-record.js";
import type { ModelRecord, VModelRecord } from "../records/types.js";
import { copyCount, referenceChanges, referencedModels } from "./vmodel-refs.js";

function vmodel(activeModelId: string, targetModelId = activeModelId): VModelRecord {
  return { activeModelId, targetModelId, targetFailed: false, extra: EMPTY_MAP };
}

function model(refs: number, autoDelete = false): ModelRecord {
  return { ...createModelRecord({ type: "t", autoDelete }), refs };
}

describe("referencedModels()", () => {
  it("is empty without a vmodel", () => {
    expect([...referencedModels(undefined)]).toEqual([]);
  });

  it("holds the active model once when not in transition", () => {
    expect([...referencedModels(vmodel("a"))]).toEqual(["a"]);
  });

  it("holds the active model and the target while in transition", () => {
    expect([...referencedModels(vmodel("a", "b"))].sort()).toEqual(["a", "b"]);
  });
});

describe("referenceChanges()", () => {
  it("adds one reference to every model of a new vmodel", () => {
    const models = new Map([["a", model(2)]]);
    const changes = referenceChanges(undefined, vmodel("a"), models);
    expect(changes.get("a")?.refs).toBe(3);
    expect(changes.size).toBe(1);
  });

  it("changes nothing when the reference set stays the same", () => {
    const models = new Map([
      ["a", model(1)],
      ["b", model(1)],
    ]);
    expect(referenceChanges(vmodel("a", "b"), { ...vmodel("a", "b"), targetFailed: true }, models).size).toBe(
      0,
    );
  });

  it("moves a reference from the model dropped to the model added", () => {
    const models = new Map([
      ["a", model(2)],
      ["b", model(0)],
    ]);
    const changes = referenceChanges(vmodel("a"), vmodel("b"), models);
    expect(changes.get("a")?.refs).toBe(1);
    expect(changes.get("b")?.refs).toBe(1);
  });

  const cases: ReadonlyArray<{ name: string; refs: number; autoDelete: boolean; expected: number | null }> = [
    {
      name: "deletes an auto-delete model losing its last reference",
      refs: 1,
      autoDelete: true,
      expected: null,
    },
    { name: "keeps an auto-delete model still referenced elsewhere", refs: 2, autoDelete: true, expected: 1 },
    {
      name: "keeps a model that is not auto-delete at 0 references",
      refs: 1,
      autoDelete: false,
      expected: 0,
    },
    { name: "never drops a count below 0", refs: 0, autoDelete: false, expected: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const models = new Map([["a", model(c.refs, c.autoDelete)]]);
      const change = referenceChanges(vmodel("a"), undefined, models).get("a");
      expect(change === null ? null : change?.refs).toBe(c.expected);
    });
  }

  it("skips models that are absent", () => {
    const models = new Map<string, ModelRecord | undefined>([["a", undefined]]);
    expect(referenceChanges(vmodel("a"), vmodel("b"), models).size).toBe(0);
  });

  it("counts on an override instead of the stored record", () => {
    const models = new Map<string, ModelRecord | undefined>([["a", model(1)]]);
    const created = createModelRecord({ type: "new", autoDelete: true, lastUsedMs: 5 });
    const changes = referenceChanges(vmodel("a"), vmodel("a", "b"), models, new Map([["b", created]]));
    expect(changes.get("b")).toEqual({ ...created, refs: 1 });
    expect(changes.has("a")).toBe(false);
  });

  it("leaves its inputs untouched", () => {
    const a = model(1, true);
    const models = new Map([["a", a]]);
    referenceChanges(vmodel("a"), undefined, models);
    expect(models.get("a")).toBe(a);
    expect(a.refs).toBe(1);
  });
});

describe("copyCount()", () => {
  it("is 0 for an absent model", () => {
    expect(copyCount(undefined)).toBe(0);
  });

  it("counts the instances listed", () => {
    const record = addCopy(addCopy(model(0), "i1", 1), "i2", 2);
    expect(copyCount(record)).toBe(2);
  });
});
