import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isMeshError } from "../errors.js";
import type { RecordCodec } from "./codec.js";
import { instanceRecordCodec } from "./instance-record-codec.js";
import { createModelRecord } from "./model-record.js";
import { DEFAULT_MODEL_TYPE, modelRecordCodec } from "./model-record-codec.js";
import type { InstanceRecord, ModelRecord } from "./types.js";
import { vmodelRecordCodec } from "./vmodel-record-codec.js";

const JAVA_LONG_MAX = "9223372036854775807";

// Hand-written in the shape the Java original stores (§1.3–1.5), including its `actionable` flag.
const javaModelJson =
  '{"type":"ExampleType","mPath":"SIZE_52428800_20_1000","encKey":"{\\"bucket\\":\\"b\\"}",' +
  '"instanceIds":{"pod-b9x2k":1700000005000,"pod-a7f3q":1700000001000},' +
  '"failedIn":{"pod-c1d4e":1699999000000},"fails":{"pod-c1d4e":{"msg":"INTERNAL: load failed"}},' +
  '"refs":2,"autoDel":true,"lu":1699990000000,"lul":1699995000000,"actionable":true}';

const javaInstanceJson =
  '{"lruTime":9223372036854775807,"count":0,"cap":121472,"used":0,"lThreads":6,"startTime":1700000000000,' +
  '"vers":1699920000001,"loc":"10.0.0.12","zone":"eu-1a","labels":["x86","gpu"],"actionable":true}';

const javaVModelJson = '{"o":"team-a","amid":"model-v1","tmid":"model-v2","failed":true}';

describe("modelRecordCodec", () => {
  it("reads the original's JSON verbatim", () => {
    const record = modelRecordCodec.decode(javaModelJson, "registry/m1");
    expect(record).toEqual({
      type: "ExampleType",
      path: "SIZE_52428800_20_1000",
      key: '{"bucket":"b"}',
      instanceIds: { "pod-a7f3q": 1700000001000, "pod-b9x2k": 1700000005000 },
      failedIn: { "pod-c1d4e": 1699999000000 },
      failureMessages: { "pod-c1d4e": "INTERNAL: load failed" },
      refs: 2,
      autoDelete: true,
      lastUsedMs: 1699990000000,
      lastUnloadMs: 1699995000000,
      extra: { actionable: true },
    });
  });

  it("writes maps sorted and keeps unknown fields", () => {
    const text = modelRecordCodec.encode(modelRecordCodec.decode(javaModelJson, "registry/m1"));
    expect(text).toContain('"instanceIds":{"pod-a7f3q":1700000001000,"pod-b9x2k":1700000005000}');
    expect(JSON.parse(text)).toEqual(JSON.parse(javaModelJson));
  });

  const defaults: ReadonlyArray<[string, ModelRecord, string]> = [
    ["a fresh record", createModelRecord({ type: "t" }), '{"type":"t"}'],
    ["empty strings", { ...createModelRecord({ type: "t" }), path: "", key: "" }, '{"type":"t"}'],
    [
      "an empty failure message",
      { ...createModelRecord({ type: "t" }), failedIn: { i: 5 }, failureMessages: { i: "" } },
      '{"type":"t","failedIn":{"i":5},"fails":{"i":{}}}',
    ],
  ];
  it.each(defaults)("omits defaults: %s", (_name, record, expected) => {
    expect(modelRecordCodec.encode(record)).toBe(expected);
  });

  it("reads a record without type as the legacy type, and null fields as absent", () => {
    const record = modelRecordCodec.decode('{"mPath":null,"instanceIds":null,"refs":null}', "registry/x");
    expect(record).toEqual(createModelRecord({ type: DEFAULT_MODEL_TYPE }));
  });

  it("reads Long.MAX_VALUE timestamps as MAX_SAFE_INTEGER and writes them back literally", () => {
    const record = modelRecordCodec.decode(`{"type":"t","lu":${JAVA_LONG_MAX}}`, "registry/x");
    expect(record.lastUsedMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(modelRecordCodec.encode(record)).toBe(`{"type":"t","lu":${JAVA_LONG_MAX}}`);
  });

  it("keeps ids and unknown fields named __proto__ as data", () => {
    const text = '{"type":"t","instanceIds":{"__proto__":7},"__proto__":{"x":1}}';
    const record = modelRecordCodec.decode(text, "registry/x");
    expect(Object.getPrototypeOf(record.extra)).toBe(Object.prototype);
    expect(Object.keys(record.instanceIds)).toEqual(["__proto__"]);
    expect(JSON.parse(modelRecordCodec.encode(record))).toEqual(JSON.parse(text));
  });

  it("round-trips any record", () => {
    fc.assert(
      fc.property(modelRecordArbitrary, (record) => {
        expect(modelRecordCodec.decode(modelRecordCodec.encode(record), "k")).toEqual(record);
      }),
      { numRuns: 200 },
    );
  });
});

describe("instanceRecordCodec", () => {
  it("reads the original's JSON verbatim, sorting labels", () => {
    const record = instanceRecordCodec.decode(javaInstanceJson, "instances/i1");
    expect(record).toEqual({
      startTimeMs: 1700000000000,
      version: 1699920000001,
      location: "10.0.0.12",
      zone: "eu-1a",
      labels: ["gpu", "x86"],
      lruTimeMs: Number.MAX_SAFE_INTEGER,
      count: 0,
      capacityUnits: 121472,
      usedUnits: 0,
      loadingThreads: 6,
      loadsInProgress: 0,
      rpm: 0,
      shutdown: false,
      extra: { actionable: true },
    });
  });

  it("writes an empty cache's lruTime as Long.MAX_VALUE, and our iep extension", () => {
    const record: InstanceRecord = {
      ...instanceRecordCodec.decode(javaInstanceJson, "instances/i1"),
      internalEndpoint: "10.0.0.12:8080",
    };
    const text = instanceRecordCodec.encode(record);
    expect(text).toContain(`"lruTime":${JAVA_LONG_MAX}`);
    expect(text).not.toContain('"count"');
    expect(instanceRecordCodec.decode(text, "instances/i1")).toEqual(record);
  });
});

describe("vmodelRecordCodec", () => {
  it("reads and writes the original's JSON", () => {
    const record = vmodelRecordCodec.decode(javaVModelJson, "vmodels/v");
    expect(record).toEqual({
      owner: "team-a",
      activeModelId: "model-v1",
      targetModelId: "model-v2",
      targetFailed: true,
      extra: {},
    });
    expect(vmodelRecordCodec.encode(record)).toBe(javaVModelJson);
  });

  it("fills a missing target with the active id", () => {
    const record = vmodelRecordCodec.decode('{"amid":"m"}', "vmodels/v");
    expect(record).toMatchObject({ activeModelId: "m", targetModelId: "m", targetFailed: false });
    expect(vmodelRecordCodec.encode(record)).toBe('{"amid":"m","tmid":"m"}');
  });
});

const malformed: ReadonlyArray<[string, RecordCodec<unknown>, string]> = [
  ["model: not JSON", modelRecordCodec, "{type:"],
  ["model: an array", modelRecordCodec, "[]"],
  ["model: null", modelRecordCodec, "null"],
  ["model: type not a string", modelRecordCodec, '{"type":5}'],
  ["model: instanceIds an array", modelRecordCodec, '{"instanceIds":[]}'],
  ["model: a string timestamp", modelRecordCodec, '{"instanceIds":{"a":"12"}}'],
  ["model: a null timestamp", modelRecordCodec, '{"failedIn":{"a":null}}'],
  ["model: refs a string", modelRecordCodec, '{"refs":"1"}'],
  ["model: autoDel a number", modelRecordCodec, '{"autoDel":1}'],
  ["model: fails entry a string", modelRecordCodec, '{"fails":{"a":"boom"}}'],
  ["model: fails msg a number", modelRecordCodec, '{"fails":{"a":{"msg":3}}}'],
  ["instance: labels of numbers", instanceRecordCodec, '{"labels":[1]}'],
  ["instance: shutdown a string", instanceRecordCodec, '{"shutdown":"yes"}'],
  ["instance: cap an object", instanceRecordCodec, '{"cap":{}}'],
  ["vmodel: no model ids", vmodelRecordCodec, '{"o":"x"}'],
  ["vmodel: amid a number", vmodelRecordCodec, '{"amid":1}'],
];

describe("decode() of malformed records", () => {
  it.each(malformed)("%s → INVALID_DATA naming the key", (_name, codec, text) => {
    let thrown: unknown;
    try {
      codec.decode(text, "some/key");
    } catch (error) {
      thrown = error;
    }
    expect(isMeshError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: "INVALID_DATA", details: { key: "some/key" } });
    expect((thrown as Error).message).toContain("some/key");
  });
});

const timestamp = fc.oneof(fc.integer({ min: 1, max: 2 ** 42 }), fc.constant(Number.MAX_SAFE_INTEGER));
const idMap = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), timestamp, { maxKeys: 4 });
const modelRecordArbitrary: fc.Arbitrary<ModelRecord> = fc
  .record({
    type: fc.string({ minLength: 1, maxLength: 10 }),
    path: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    instanceIds: idMap,
    failedIn: idMap,
    refs: fc.nat(5),
    autoDelete: fc.boolean(),
    lastUsedMs: fc.oneof(fc.constant(0), timestamp),
    extra: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.jsonValue(), { maxKeys: 3 }),
  })
  .map(({ path, extra, ...rest }) => {
    const known = [
      "type",
      "mPath",
      "encKey",
      "instanceIds",
      "failedIn",
      "fails",
      "refs",
      "autoDel",
      "lu",
      "lul",
    ];
    const cleanExtra = Object.fromEntries(Object.entries(extra).filter(([name]) => !known.includes(name)));
    const messages = Object.fromEntries(Object.keys(rest.failedIn).map((id) => [id, `failed on ${id}`]));
    return {
      ...rest,
      ...(path === undefined ? {} : { path }),
      failureMessages: messages,
      lastUnloadMs: 0,
      extra: JSON.parse(JSON.stringify(cleanExtra)) as Record<string, unknown>,
    };
  });
