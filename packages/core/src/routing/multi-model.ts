import { MeshError } from "../errors.js";

/** Default concurrent per-model calls of one multi-model request (`MM_MULTI_PARALLELISM`, §2.10). */
export const DEFAULT_MULTI_PARALLELISM = 4;

/** `mm-required`: whether every listed model must be found (`all`) or any (`any`, default). */
export type RequiredModels = "all" | "any";

/** The result of one model's call within a multi-model request. */
export type ModelCallResult<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "failed"; readonly error: MeshError };

/**
 * What a failed model call means for the whole request (§2.10): a model that is not found
 * is skipped under `any`; anything else fails the request (cancel the other calls).
 */
export function multiModelFailureAction(error: MeshError, required: RequiredModels): "skip" | "fail" {
  return error.code === "MODEL_NOT_FOUND" && required === "any" ? "skip" : "fail";
}

/**
 * Combines the per-model results, in header order, into the request's result: the values to
 * concatenate (in order), or the first failure that fails the request, or NOT_FOUND "none of
 * the requested models were found" when every model was skipped.
 */
export function combineMultiModel<T>(
  results: readonly ModelCallResult<T>[],
  required: RequiredModels,
): { readonly kind: "ok"; readonly values: T[] } | { readonly kind: "failed"; readonly error: MeshError } {
  const values: T[] = [];
  for (const result of results) {
    if (result.kind === "ok") values.push(result.value);
    else if (multiModelFailureAction(result.error, required) === "fail") return result;
  }
  if (values.length === 0) {
    return {
      kind: "failed",
      error: new MeshError("MODEL_NOT_FOUND", "none of the requested models were found"),
    };
  }
  return { kind: "ok", values };
}
