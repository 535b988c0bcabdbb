import { describe, expect, it } from "vitest";
import { createSeededRandom } from "../ports/random.js";
import { createInstanceTable } from "./instance-table.js";
import { livenessFilter } from "./liveness-filter.js";
import { missExcludeFilter } from "./miss-exclude-filter.js";
import { instanceRecord, modelRecord } from "./test-support/records.js";
import { typeConstraintFilter } from "./type-constraint-filter.js";
import type { PlacementContext, PlacementFilter, PlacementInput } from "./types.js";
import { upgradeFilter } from "./upgrade-filter.js";

const NOW = 1_700_000_000_000;

function contextWith(input: Partial<PlacementInput>, ignoreReplacement = false): PlacementContext {
  const table = createInstanceTable({
    records: new Map(),
    selfId: "self",
    minSpaceUnits: 1,
    minChurnAgeMs: 1,
  });
  const full: PlacementInput = {
    table,
    model: modelRecord(),
    lastUsedMs: 0,
    balanced: false,
    nowMs: NOW,
    random: createSeededRandom(1),
    ...input,
  };
  return { input: full, selfId: "self", nowMs: NOW, minSpaceUnits: 1, ignoreReplacement };
}

const cases: {
  filter: PlacementFilter;
  id: string;
  input: Partial<PlacementInput>;
  ignoreReplacement?: boolean;
  kept: boolean;
  reason: string;
}[] = [
  {
    filter: typeConstraintFilter,
    id: "a",
    input: {},
    kept: true,
    reason: "type example has no label requirements",
  },
  {
    filter: typeConstraintFilter,
    id: "a",
    input: { allowedInstances: new Set(["a"]) },
    kept: true,
    reason: "has every label type example requires",
  },
  {
    filter: typeConstraintFilter,
    id: "b",
    input: { allowedInstances: new Set(["a"]) },
    kept: false,
    reason: "lacks a label type example requires",
  },
  { filter: missExcludeFilter, id: "a", input: {}, kept: true, reason: "not excluded" },
  {
    filter: missExcludeFilter,
    id: "a",
    input: { model: modelRecord({ instanceIds: { a: 1 } }) },
    kept: false,
    reason: "already has a copy (loaded or loading)",
  },
  {
    filter: missExcludeFilter,
    id: "a",
    input: { model: modelRecord({ failedIn: { a: 1 } }) },
    kept: false,
    reason: "the model recently failed to load there",
  },
  {
    filter: missExcludeFilter,
    id: "a",
    input: { explicitExcludes: new Set(["a"]) },
    kept: false,
    reason: "excluded by the caller",
  },
  {
    filter: missExcludeFilter,
    id: "a",
    input: { attempted: new Set(["a"]) },
    kept: false,
    reason: "a load was already attempted there for this request",
  },
  { filter: livenessFilter, id: "a", input: {}, kept: true, reason: "reachable" },
  {
    filter: livenessFilter,
    id: "a",
    input: { isReachable: () => false },
    kept: false,
    reason: "not reachable (no live registration)",
  },
  {
    filter: livenessFilter,
    id: "self",
    input: { isReachable: () => false },
    kept: true,
    reason: "reachable",
  },
  {
    filter: upgradeFilter,
    id: "abcdef-1",
    input: { replacedReplicaSets: new Set(["abcdef"]) },
    kept: false,
    reason: "in a ReplicaSet being replaced by a rolling upgrade",
  },
  {
    filter: upgradeFilter,
    id: "abcdef-1",
    input: { replacedReplicaSets: new Set(["abcdef"]) },
    ignoreReplacement: true,
    kept: true,
    reason: "in a ReplicaSet being replaced, kept because nothing else fits",
  },
  {
    filter: upgradeFilter,
    id: "abcdef",
    input: { replacedReplicaSets: new Set(["abcdef"]) },
    kept: true,
    reason: "not in a ReplicaSet being replaced",
  },
];

describe("placement filters", () => {
  for (const c of cases) {
    it(`${c.filter.name} ${c.kept ? "keeps" : "drops"} ${c.id}: ${c.reason}`, () => {
      const ctx = contextWith(c.input, c.ignoreReplacement);
      const entry = { id: c.id, record: instanceRecord() };
      expect(c.filter.keep(entry, ctx)).toBe(c.kept);
      expect(c.filter.explain(entry, ctx, c.kept)).toBe(c.reason);
    });
  }
});
