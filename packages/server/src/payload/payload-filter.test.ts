import { describe, expect, it } from "vitest";
import type { Payload } from "./payload.js";
import { matchesPayloadFilter, parsePayloadFilter } from "./payload-filter.js";

const payload = (overrides: Partial<Payload> = {}): Payload => ({
  id: "i-1",
  kind: "request",
  modelId: "m1",
  vModelId: undefined,
  method: "mmesh.ExamplePredictor/predict",
  metadata: {},
  data: undefined,
  status: undefined,
  ...overrides,
});

describe("parsePayloadFilter()", () => {
  const cases: [string, string, object][] = [
    ["", "", {}],
    ["*", "*", {}],
    ["/*", "", {}],
    ["/", "*", {}],
    ["/m1", "", { anyId: "m1" }],
    ["m1", "predict", { anyId: "m1", method: "predict" }],
    ["model=m1", "", { modelId: "m1" }],
    ["vmodel=v1", "/*", { vModelId: "v1" }],
    ["vmodel=*", "", {}],
    ["a%20b", "x%2Fy", { anyId: "a b", method: "x/y" }],
  ];
  for (const [query, fragment, expected] of cases) {
    it(`reads ?${query}#${fragment}`, () => {
      expect(parsePayloadFilter(query, fragment)).toEqual(expected);
    });
  }
});

describe("matchesPayloadFilter()", () => {
  const cases: [string, object, Partial<Payload>, boolean][] = [
    ["no filter", {}, {}, true],
    ["model id", { anyId: "m1" }, {}, true],
    ["other model id", { anyId: "m2" }, {}, false],
    ["plain id matches the vmodel", { anyId: "v1" }, { vModelId: "v1" }, true],
    ["model= does not match the vmodel", { modelId: "v1" }, { vModelId: "v1" }, false],
    ["vmodel filter", { vModelId: "v1" }, { vModelId: "v1" }, true],
    ["vmodel filter, no vmodel", { vModelId: "v1" }, {}, false],
    ["short method", { method: "predict" }, {}, true],
    ["full method", { method: "mmesh.ExamplePredictor/predict" }, {}, true],
    ["other method", { method: "explain" }, {}, false],
    ["partial service name", { method: "ExamplePredictor/predict" }, {}, false],
    ["both must match", { anyId: "m1", method: "explain" }, {}, false],
  ];
  for (const [name, filter, overrides, expected] of cases) {
    it(name, () => {
      expect(matchesPayloadFilter(filter, payload(overrides))).toBe(expected);
    });
  }
});
