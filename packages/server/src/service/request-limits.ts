import { MeshError } from "@modelmesh/core";

// Size limits of the free-text fields a client sends, in UTF-8 bytes. Without them a single call
// could store megabytes in the registry (a record is written to the store on every copy change
// and kept in every instance's memory) or fill headers sent to peers and the runtime. Each limit
// is far above real use; a request over one fails with INVALID_ARGUMENT naming the field, its
// size and the limit, before anything is stored, routed or loaded.

/**
 * Longest model id, bytes (1 KiB). ModelMesh Serving names models `<name>__isvc-<hash>` with
 * Kubernetes names of at most 253 characters, under 300 bytes; ids also travel as headers.
 */
export const MAX_MODEL_ID_BYTES = 1024;

/** Longest vmodel id, bytes (1 KiB): vmodel ids are named like model ids. */
export const MAX_VMODEL_ID_BYTES = 1024;

/** Longest `modelInfo.type`, bytes (1 KiB): a runtime's model type name ("sklearn", "onnx:1"). */
export const MAX_MODEL_TYPE_BYTES = 1024;

/**
 * Longest `modelInfo.path`, bytes (16 KiB): four times Linux's PATH_MAX (4096), and room for an
 * object-store URI (keys of at most 1 KiB) or a pre-signed URL with its token.
 */
export const MAX_MODEL_PATH_BYTES = 16 * 1024;

/**
 * Longest `modelInfo.key`, bytes (64 KiB). ModelMesh Serving puts a JSON document here (storage
 * key, bucket, size, model type, storage parameters: usually well under 1 KiB); the limit leaves
 * room for generous storage parameters.
 */
export const MAX_MODEL_KEY_BYTES = 64 * 1024;

/** Longest vmodel `owner`, bytes (1 KiB): a name, like an id. */
export const MAX_OWNER_BYTES = 1024;

/**
 * Most models one inference call may name (a multi-model call), 256: real multi-model calls name
 * a handful; every id named may start a load.
 */
export const MAX_MODELS_PER_CALL = 256;

/**
 * Throws INVALID_ARGUMENT when `value` is longer than `limitBytes` in UTF-8: "<field> is <n>
 * bytes, more than the limit of <limit> bytes".
 */
export function checkSize(field: string, value: string, limitBytes: number): void {
  // A string is never shorter in UTF-8 than in UTF-16 code units: most values skip the count.
  if (value.length * 3 <= limitBytes) return;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > limitBytes) {
    throw new MeshError(
      "INVALID_ARGUMENT",
      `${field} is ${bytes} bytes, more than the limit of ${limitBytes} bytes`,
    );
  }
}

/** The free-text fields of a model definition (`modelInfo`), as the service reads them. */
export interface ModelInfoFields {
  readonly type?: string;
  readonly path?: string;
  readonly key?: string;
}

/** Checks the `modelInfo` fields of a registerModel (or setVModel) request. */
export function checkModelInfo(info: ModelInfoFields | undefined): void {
  checkSize("modelInfo.type", info?.type ?? "", MAX_MODEL_TYPE_BYTES);
  checkSize("modelInfo.path", info?.path ?? "", MAX_MODEL_PATH_BYTES);
  checkSize("modelInfo.key", info?.key ?? "", MAX_MODEL_KEY_BYTES);
}

/** Checks a model id field (`modelId`, `targetModelId`, ...). */
export function checkModelId(modelId: string, field = "modelId"): void {
  checkSize(field, modelId, MAX_MODEL_ID_BYTES);
}

/** The fields of the vmodel requests (setVModel, deleteVModel, getVModelStatus) that carry text. */
export interface VModelFields {
  readonly vModelId: string;
  readonly owner: string;
  readonly targetModelId?: string;
  readonly expectedTargetModelId?: string;
  readonly modelInfo?: ModelInfoFields | undefined;
}

/** Checks every free-text field of a vmodel request. */
export function checkVModelRequest(request: VModelFields): void {
  checkSize("vModelId", request.vModelId, MAX_VMODEL_ID_BYTES);
  checkSize("owner", request.owner, MAX_OWNER_BYTES);
  checkModelId(request.targetModelId ?? "", "targetModelId");
  checkModelId(request.expectedTargetModelId ?? "", "expectedTargetModelId");
  checkModelInfo(request.modelInfo);
}
