/** The kinds of model the example runtime serves: four read from `model.json` files, and `echo` (test knobs). */
export type ModelKind =
  | "text-classifier"
  | "linear-regression"
  | "logistic-regression"
  | "decision-tree"
  | "echo";

/** KServe V2 tensor data types this runtime reads and writes. */
export type TensorDatatype = "BOOL" | "INT32" | "INT64" | "UINT32" | "UINT64" | "FP32" | "FP64" | "BYTES";

/** Name, type and shape of a model input or output (`-1` = any size), as ModelMetadata reports it. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: TensorDatatype;
  readonly shape: readonly number[];
}

/** Tensor values after decoding: numbers for numeric types, byte strings for BYTES. */
export type TensorValues =
  | { readonly t: "numeric"; readonly values: Float64Array }
  | { readonly t: "bytes"; readonly values: readonly Uint8Array[] };

/** A decoded input tensor or a computed output tensor. */
export interface Tensor {
  readonly name: string;
  readonly datatype: TensorDatatype;
  readonly shape: readonly number[];
  readonly data: TensorValues;
}

/** One scored answer of the ExamplePredictor API. */
export interface Scored {
  readonly category: string;
  readonly confidence: number;
}

/**
 * A model loaded into memory and ready to answer. Each kind is a plain object built by its
 * `load...` function; the services call it through this interface.
 */
export interface ServableModel {
  readonly kind: ModelKind;
  /** Estimated memory of the loaded data structures, bytes (reported to the mesh as the model size). */
  readonly sizeBytes: number;
  /** Inputs and outputs for KServe V2 ModelMetadata. */
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** ExamplePredictor: answers for a text (a sentence, or comma-separated numbers), best first. */
  predictText(text: string): readonly Scored[];
  /** KServe V2 ModelInfer: outputs for decoded inputs; throws {@link TensorError} on bad input. */
  infer(inputs: readonly Tensor[]): readonly Tensor[];
}

/** Bad inference input (wrong name, type or shape): answered with INVALID_ARGUMENT. */
export class TensorError extends Error {
  override readonly name = "TensorError";
}

/** A model file that cannot be loaded (missing, not JSON, wrong fields): the load fails. */
export class ModelFileError extends Error {
  override readonly name = "ModelFileError";
}
