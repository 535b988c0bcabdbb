/**
 * The wire facts of KServe ModelMesh's `mmesh.ModelMesh` and `mmesh.ModelRuntime` contracts,
 * written down independently of the .proto files: full message names, field numbers, names,
 * types and cardinality, enum values, reserved numbers and service methods. A Java or Go peer
 * built from the original protos encodes exactly these, so any drift here breaks them.
 */

/** One field: `[number, name, type]`. Type is a scalar name, `.pkg.Message`, `enum .pkg.Enum`,
 * `repeated <type>` or `map<key, value>`. */
export type FieldFact = readonly [number, string, string];

/** A message and its fields in declaration order. */
export interface MessageFact {
  readonly name: string;
  readonly fields: readonly FieldFact[];
  readonly reserved?: readonly number[];
}

/** An enum and its values. */
export interface EnumFact {
  readonly name: string;
  readonly values: readonly (readonly [string, number])[];
}

/** A service method: `[name, input, output, streaming]`. */
export type MethodFact = readonly [string, string, string, "unary" | "server_streaming"];

/** Everything one proto file must contain. */
export interface FileFacts {
  readonly messages: readonly MessageFact[];
  readonly enums: readonly EnumFact[];
  readonly service: { readonly name: string; readonly methods: readonly MethodFact[] };
}

const modelStatus = "enum .mmesh.ModelStatusInfo.ModelStatus";

/** Facts of model-mesh.proto. */
export const modelMeshFacts: FileFacts = {
  messages: [
    {
      name: "mmesh.RegisterModelRequest",
      fields: [
        [1, "modelId", "string"],
        [2, "modelInfo", ".mmesh.ModelInfo"],
        [3, "loadNow", "bool"],
        [4, "sync", "bool"],
        [5, "lastUsedTime", "uint64"],
      ],
    },
    {
      name: "mmesh.ModelInfo",
      fields: [
        [1, "type", "string"],
        [2, "path", "string"],
        [3, "key", "string"],
      ],
    },
    {
      name: "mmesh.ModelStatusInfo",
      fields: [
        [1, "status", modelStatus],
        [2, "errors", "repeated string"],
        [3, "modelCopyInfos", "repeated .mmesh.ModelStatusInfo.ModelCopyInfo"],
      ],
    },
    {
      name: "mmesh.ModelStatusInfo.ModelCopyInfo",
      fields: [
        [1, "location", "string"],
        [2, "copyStatus", modelStatus],
        [3, "time", "uint64"],
      ],
    },
    { name: "mmesh.UnregisterModelRequest", fields: [[1, "modelId", "string"]] },
    { name: "mmesh.UnregisterModelResponse", fields: [] },
    { name: "mmesh.GetStatusRequest", fields: [[1, "modelId", "string"]] },
    {
      name: "mmesh.EnsureLoadedRequest",
      fields: [
        [1, "modelId", "string"],
        [2, "lastUsedTime", "uint64"],
        [4, "sync", "bool"],
      ],
      reserved: [3],
    },
    {
      name: "mmesh.VModelStatusInfo",
      fields: [
        [1, "status", "enum .mmesh.VModelStatusInfo.VModelStatus"],
        [2, "activeModelId", "string"],
        [3, "targetModelId", "string"],
        [4, "activeModelStatus", ".mmesh.ModelStatusInfo"],
        [5, "targetModelStatus", ".mmesh.ModelStatusInfo"],
        [6, "owner", "string"],
      ],
    },
    {
      name: "mmesh.DeleteVModelRequest",
      fields: [
        [1, "vModelId", "string"],
        [2, "owner", "string"],
      ],
    },
    { name: "mmesh.DeleteVModelResponse", fields: [] },
    {
      name: "mmesh.SetVModelRequest",
      fields: [
        [1, "vModelId", "string"],
        [10, "owner", "string"],
        [2, "targetModelId", "string"],
        [3, "updateOnly", "bool"],
        [4, "modelInfo", ".mmesh.ModelInfo"],
        [5, "autoDeleteTargetModel", "bool"],
        [6, "loadNow", "bool"],
        [7, "force", "bool"],
        [8, "sync", "bool"],
        [9, "expectedTargetModelId", "string"],
      ],
    },
    {
      name: "mmesh.GetVModelStatusRequest",
      fields: [
        [1, "vModelId", "string"],
        [2, "owner", "string"],
      ],
    },
  ],
  enums: [
    {
      name: "mmesh.ModelStatusInfo.ModelStatus",
      values: [
        ["NOT_FOUND", 0],
        ["NOT_LOADED", 1],
        ["LOADING", 2],
        ["LOADED", 3],
        ["LOADING_FAILED", 4],
        ["UNKNOWN", 5],
      ],
    },
    {
      name: "mmesh.VModelStatusInfo.VModelStatus",
      values: [
        ["NOT_FOUND", 0],
        ["DEFINED", 1],
        ["TRANSITIONING", 2],
        ["TRANSITION_FAILED", 3],
        ["UNKNOWN", 5],
      ],
    },
  ],
  service: {
    name: "mmesh.ModelMesh",
    methods: [
      ["registerModel", "mmesh.RegisterModelRequest", "mmesh.ModelStatusInfo", "unary"],
      ["unregisterModel", "mmesh.UnregisterModelRequest", "mmesh.UnregisterModelResponse", "unary"],
      ["getModelStatus", "mmesh.GetStatusRequest", "mmesh.ModelStatusInfo", "unary"],
      ["ensureLoaded", "mmesh.EnsureLoadedRequest", "mmesh.ModelStatusInfo", "unary"],
      ["setVModel", "mmesh.SetVModelRequest", "mmesh.VModelStatusInfo", "unary"],
      ["deleteVModel", "mmesh.DeleteVModelRequest", "mmesh.DeleteVModelResponse", "unary"],
      ["getVModelStatus", "mmesh.GetVModelStatusRequest", "mmesh.VModelStatusInfo", "unary"],
    ],
  },
};

const modelRef = [
  [1, "modelId", "string"],
  [2, "modelType", "string"],
  [3, "modelPath", "string"],
  [4, "modelKey", "string"],
] as const;

/** Facts of model-runtime.proto. */
export const modelRuntimeFacts: FileFacts = {
  messages: [
    { name: "mmesh.LoadModelRequest", fields: modelRef },
    {
      name: "mmesh.LoadModelResponse",
      fields: [
        [1, "sizeInBytes", "uint64"],
        [2, "maxConcurrency", "uint32"],
      ],
    },
    { name: "mmesh.UnloadModelRequest", fields: [[1, "modelId", "string"]] },
    { name: "mmesh.UnloadModelResponse", fields: [] },
    { name: "mmesh.PredictModelSizeRequest", fields: modelRef },
    { name: "mmesh.PredictModelSizeResponse", fields: [[1, "sizeInBytes", "uint64"]] },
    { name: "mmesh.ModelSizeRequest", fields: [[1, "modelId", "string"]] },
    { name: "mmesh.ModelSizeResponse", fields: [[1, "sizeInBytes", "uint64"]] },
    { name: "mmesh.RuntimeStatusRequest", fields: [] },
    {
      name: "mmesh.RuntimeStatusResponse",
      fields: [
        [1, "status", "enum .mmesh.RuntimeStatusResponse.Status"],
        [2, "capacityInBytes", "uint64"],
        [3, "maxLoadingConcurrency", "uint32"],
        [4, "modelLoadingTimeoutMs", "uint32"],
        [5, "defaultModelSizeInBytes", "uint64"],
        [6, "runtimeVersion", "string"],
        [7, "numericRuntimeVersion", "uint64"],
        [8, "methodInfos", "map<string, .mmesh.RuntimeStatusResponse.MethodInfo>"],
        [9, "limitModelConcurrency", "bool"],
        [10, "allowAnyMethod", "bool"],
      ],
    },
    { name: "mmesh.RuntimeStatusResponse.MethodInfo", fields: [[1, "idInjectionPath", "repeated uint32"]] },
  ],
  enums: [
    {
      name: "mmesh.RuntimeStatusResponse.Status",
      values: [
        ["STARTING", 0],
        ["READY", 1],
        ["FAILING", 2],
      ],
    },
  ],
  service: {
    name: "mmesh.ModelRuntime",
    methods: [
      ["loadModel", "mmesh.LoadModelRequest", "mmesh.LoadModelResponse", "unary"],
      ["unloadModel", "mmesh.UnloadModelRequest", "mmesh.UnloadModelResponse", "unary"],
      ["predictModelSize", "mmesh.PredictModelSizeRequest", "mmesh.PredictModelSizeResponse", "unary"],
      ["modelSize", "mmesh.ModelSizeRequest", "mmesh.ModelSizeResponse", "unary"],
      ["runtimeStatus", "mmesh.RuntimeStatusRequest", "mmesh.RuntimeStatusResponse", "unary"],
    ],
  },
};
