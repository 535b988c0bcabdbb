import { MeshError } from "@modelmesh/core";
import {
  checkSize,
  MAX_MODEL_ID_BYTES,
  MAX_MODELS_PER_CALL,
  MAX_VMODEL_ID_BYTES,
} from "../service/request-limits.js";

/** The models a request names, from its headers (§2.1 of the behaviour reference). */
export interface RequestedModels {
  /** Concrete model ids, or vmodel ids when `isVModel`. One id normally; several = multi-model. */
  readonly ids: readonly string[];
  readonly isVModel: boolean;
  /** `mm-balanced: true`: the client spreads requests evenly, so a local copy is preferred. */
  readonly balanced: boolean;
  /** `mm-required: all`: a multi-model request fails if any model is missing. */
  readonly requireAll: boolean;
}

/** Header lookup returning every value of a (lower-case) header name, in order. */
export type HeaderValues = (name: string) => readonly string[];

function decodeBin(values: readonly string[]): string[] {
  // -bin values are base64; several may share one header field, comma-separated (gRPC spec).
  return values.flatMap((v) => v.split(",")).map((v) => Buffer.from(v.trim(), "base64").toString("utf8"));
}

function idsOf(headers: HeaderValues, name: string): string[] {
  const plain = headers(name);
  return plain.length > 0 ? [...plain] : decodeBin(headers(`${name}-bin`));
}

/**
 * Resolves which (v)models a pass-through call is for, with the original's exact errors:
 * INVALID_ARGUMENT "must include mm-model-id header", "must include only one of model id and
 * vmodel id", "provided model-id header must be non-empty" (or vmodel-id); and INVALID_ARGUMENT
 * for more ids, or longer ones, than the request limits allow.
 */
export function readRequestedModels(headers: HeaderValues): RequestedModels {
  let modelIds = idsOf(headers, "mm-model-id");
  const vmodelIds = idsOf(headers, "mm-vmodel-id");
  if (modelIds.length === 0 && vmodelIds.length === 0) modelIds = [...headers("tas-model-id")];
  if (modelIds.length === 0 && vmodelIds.length === 0) {
    throw new MeshError("INVALID_ARGUMENT", "must include mm-model-id header");
  }
  if (modelIds.length > 0 && vmodelIds.length > 0) {
    throw new MeshError("INVALID_ARGUMENT", "must include only one of model id and vmodel id");
  }
  const isVModel = vmodelIds.length > 0;
  const ids = isVModel ? vmodelIds : modelIds;
  if (ids.some((id) => id.length === 0)) {
    throw new MeshError(
      "INVALID_ARGUMENT",
      `provided ${isVModel ? "vmodel-id" : "model-id"} header must be non-empty`,
    );
  }
  checkRequestedIds(ids, isVModel, `${isVModel ? "mm-vmodel-id" : "mm-model-id"} header`);
  return {
    ids,
    isVModel,
    balanced: headers("mm-balanced")[0]?.toLowerCase() === "true",
    requireAll: headers("mm-required")[0]?.toLowerCase() === "all",
  };
}

/**
 * Throws INVALID_ARGUMENT when a call names more models than {@link MAX_MODELS_PER_CALL} or an id
 * longer than the (v)model id limit; `source` names where the ids came from, for the message.
 */
export function checkRequestedIds(ids: readonly string[], isVModel: boolean, source: string): void {
  if (ids.length > MAX_MODELS_PER_CALL) {
    throw new MeshError(
      "INVALID_ARGUMENT",
      `${source} names ${ids.length} models, more than the limit of ${MAX_MODELS_PER_CALL}`,
    );
  }
  const limit = isVModel ? MAX_VMODEL_ID_BYTES : MAX_MODEL_ID_BYTES;
  for (const id of ids) checkSize(source, id, limit);
}

/** Builds a {@link HeaderValues} lookup over Node's flat `rawHeaders` list (keeps repeats apart). */
export function headerValuesFromRaw(rawHeaders: readonly string[]): HeaderValues {
  return (name) => {
    const values: string[] = [];
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      if (rawHeaders[i]?.toLowerCase() === name) values.push(rawHeaders[i + 1] ?? "");
    }
    return values;
  };
}
