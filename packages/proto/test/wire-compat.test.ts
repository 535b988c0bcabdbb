import { create, type DescEnum, type DescFile, type DescMessage, toBinary, toJson } from "@bufbuild/protobuf";
import type { DescriptorProto } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  EnsureLoadedRequestSchema,
  file_model_mesh,
  file_model_runtime,
  LoadModelResponseSchema,
  ModelMesh,
  ModelRuntime,
  ModelStatusInfo_ModelStatus,
  ModelStatusInfoSchema,
  RegisterModelRequestSchema,
  RuntimeStatusResponse_Status,
  RuntimeStatusResponseSchema,
  SetVModelRequestSchema,
  VModelStatusInfo_VModelStatus,
  VModelStatusInfoSchema,
} from "../src/index.js";
import { type FileFacts, type MessageFact, modelMeshFacts, modelRuntimeFacts } from "./wire-facts.js";
import { decodeWithFacts, readWireFields } from "./wire-reader.js";

// Scalar type names by FieldDescriptorProto.Type number (descriptor.proto), so the check reads the
// descriptor as a peer would, not through protobuf-es's own reflection helpers.
const scalarNames: Record<number, string> = {
  1: "double",
  2: "float",
  3: "int64",
  4: "uint64",
  5: "int32",
  8: "bool",
  9: "string",
  12: "bytes",
  13: "uint32",
};
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_REPEATED = 3;

function fieldType(proto: DescriptorProto, index: number): string {
  const field = proto.field[index];
  if (!field) throw new Error("no field");
  const base =
    field.type === TYPE_MESSAGE
      ? field.typeName
      : field.type === TYPE_ENUM
        ? `enum ${field.typeName}`
        : (scalarNames[field.type] ?? `type#${field.type}`);
  if (field.label !== LABEL_REPEATED) return base;
  const entry = proto.nestedType.find((n) => n.options?.mapEntry && field.typeName.endsWith(`.${n.name}`));
  if (entry) return `map<${fieldType(entry, 0)}, ${fieldType(entry, 1)}>`;
  return `repeated ${base}`;
}

function describeMessage(message: DescMessage): MessageFact {
  const proto = message.proto;
  const reserved = proto.reservedRange.flatMap((r) =>
    Array.from({ length: r.end - r.start }, (_, i) => r.start + i),
  );
  return {
    name: message.typeName,
    fields: proto.field.map((f, i) => [f.number, f.name, fieldType(proto, i)] as const),
    ...(reserved.length > 0 ? { reserved } : {}),
  };
}

function allMessages(messages: readonly DescMessage[]): DescMessage[] {
  return messages.flatMap((m) => [m, ...allMessages(m.nestedMessages)]);
}

function allEnums(file: DescFile): DescEnum[] {
  return [...file.enums, ...allMessages(file.messages).flatMap((m) => m.nestedEnums)];
}

function describeFile(file: DescFile): FileFacts {
  const service = file.services[0];
  if (!service) throw new Error(`${file.name} has no service`);
  return {
    messages: allMessages(file.messages).map(describeMessage),
    enums: allEnums(file).map((e) => ({
      name: e.typeName,
      values: e.values.map((v) => [v.name, v.number] as const),
    })),
    service: {
      name: service.typeName,
      methods: service.methods.map(
        (m) => [m.name, m.input.typeName, m.output.typeName, m.methodKind as "unary"] as const,
      ),
    },
  };
}

const byName = <T extends { name: string }>(items: readonly T[]) =>
  [...items].sort((a, b) => a.name.localeCompare(b.name));

const files = [
  { file: file_model_mesh, facts: modelMeshFacts },
  { file: file_model_runtime, facts: modelRuntimeFacts },
] as const;
const allFacts = [modelMeshFacts, modelRuntimeFacts];

describe("wire contracts match the original ModelMesh protos", () => {
  for (const { file, facts } of files) {
    const actual = describeFile(file);
    it(`${file.name}: package mmesh`, () => {
      expect(file.proto.package).toBe("mmesh");
    });
    it(`${file.name}: every message, field name, number and type`, () => {
      expect(byName(actual.messages)).toEqual(byName(facts.messages));
    });
    it(`${file.name}: every enum value`, () => {
      expect(byName(actual.enums)).toEqual(byName(facts.enums));
    });
    it(`${file.name}: service and methods`, () => {
      expect(actual.service).toEqual(facts.service);
    });
  }

  it("exposes the full gRPC method paths peers call", () => {
    expect(`/${ModelMesh.typeName}/${ModelMesh.method.registerModel.name}`).toBe(
      "/mmesh.ModelMesh/registerModel",
    );
    expect(`/${ModelRuntime.typeName}/${ModelRuntime.method.loadModel.name}`).toBe(
      "/mmesh.ModelRuntime/loadModel",
    );
  });
});

describe("generated encoding, read by an independent decoder", () => {
  it("RegisterModelRequest has the exact bytes a Java peer produces", () => {
    const bytes = toBinary(
      RegisterModelRequestSchema,
      create(RegisterModelRequestSchema, {
        modelId: "m1",
        modelInfo: { type: "t", path: "p" },
        loadNow: true,
        lastUsedTime: 5n,
      }),
    );
    // field 1 "m1"; field 2 {1:"t", 2:"p"}; field 3 true; field 5 varint 5 (sync=false omitted).
    expect(Buffer.from(bytes).toString("hex")).toBe("0a026d3112060a01741201701801" + "2805");
  });

  const longPath = "s3://bucket/".padEnd(300, "x");
  const cases = [
    {
      schema: RegisterModelRequestSchema,
      init: {
        modelId: "model-ü",
        modelInfo: { type: "sklearn", path: longPath, key: "k" },
        sync: true,
        lastUsedTime: 2n ** 62n + 7n,
      },
      expected: {
        modelId: "model-ü",
        modelInfo: { type: "sklearn", path: longPath, key: "k" },
        sync: true,
        lastUsedTime: 2n ** 62n + 7n,
      },
    },
    {
      schema: ModelStatusInfoSchema,
      init: {
        status: ModelStatusInfo_ModelStatus.LOADING_FAILED,
        errors: ["boom", "bang"],
        modelCopyInfos: [
          { location: "i1", copyStatus: ModelStatusInfo_ModelStatus.LOADING_FAILED, time: 1700000000000n },
        ],
      },
      expected: {
        status: 4,
        errors: ["boom", "bang"],
        modelCopyInfos: [{ location: "i1", copyStatus: 4, time: 1700000000000n }],
      },
    },
    {
      schema: EnsureLoadedRequestSchema,
      init: { modelId: "a", lastUsedTime: 1n, sync: true },
      expected: { modelId: "a", lastUsedTime: 1n, sync: true },
    },
    {
      schema: SetVModelRequestSchema,
      init: { vModelId: "v", owner: "o", targetModelId: "t", force: true, expectedTargetModelId: "e" },
      expected: { vModelId: "v", owner: "o", targetModelId: "t", force: true, expectedTargetModelId: "e" },
    },
    {
      schema: VModelStatusInfoSchema,
      init: {
        status: VModelStatusInfo_VModelStatus.TRANSITION_FAILED,
        activeModelId: "a",
        targetModelId: "b",
        activeModelStatus: { status: ModelStatusInfo_ModelStatus.LOADED },
      },
      expected: { status: 3, activeModelId: "a", targetModelId: "b", activeModelStatus: { status: 3 } },
    },
    {
      schema: RuntimeStatusResponseSchema,
      init: {
        status: RuntimeStatusResponse_Status.READY,
        capacityInBytes: 1n << 30n,
        maxLoadingConcurrency: 6,
        modelLoadingTimeoutMs: 90000,
        defaultModelSizeInBytes: 50n << 20n,
        runtimeVersion: "0.1",
        methodInfos: { "mmesh.ExamplePredictor/predict": { idInjectionPath: [1, 300] } },
        limitModelConcurrency: true,
        allowAnyMethod: true,
      },
      expected: {
        status: 1,
        capacityInBytes: 1n << 30n,
        maxLoadingConcurrency: 6,
        modelLoadingTimeoutMs: 90000,
        defaultModelSizeInBytes: 50n << 20n,
        runtimeVersion: "0.1",
        methodInfos: { "mmesh.ExamplePredictor/predict": { idInjectionPath: [1, 300] } },
        limitModelConcurrency: true,
        allowAnyMethod: true,
      },
    },
    {
      schema: LoadModelResponseSchema,
      init: { sizeInBytes: 123456789n, maxConcurrency: 4 },
      expected: { sizeInBytes: 123456789n, maxConcurrency: 4 },
    },
  ] as const;

  for (const c of cases) {
    it(`${c.schema.typeName} round-trips through the facts decoder`, () => {
      // biome-ignore lint/suspicious/noExplicitAny: the table mixes schemas; each init matches its own.
      const bytes = toBinary(c.schema as any, create(c.schema as any, c.init as any));
      expect(decodeWithFacts(bytes, c.schema.typeName, allFacts)).toEqual(c.expected);
    });
  }

  it("writes fields in ascending number order, as protoc-generated peers do", () => {
    const bytes = toBinary(
      SetVModelRequestSchema,
      create(SetVModelRequestSchema, { vModelId: "v", owner: "o", targetModelId: "t", sync: true }),
    );
    expect(readWireFields(bytes).map((f) => f.number)).toEqual([1, 2, 8, 10]);
  });

  it("uses the original JSON names (lowerCamel proto names)", () => {
    const json = toJson(
      SetVModelRequestSchema,
      create(SetVModelRequestSchema, { vModelId: "v", autoDeleteTargetModel: true }),
    );
    expect(json).toEqual({ vModelId: "v", autoDeleteTargetModel: true });
  });
});
