import type { Http2ServerRequest } from "node:http2";
import { extractField, MeshError } from "@modelmesh/core";
import type { DataplaneConfig, DataplaneRpcConfig } from "../model-mesh.js";
import type { MessageEncoding } from "./id-injection.js";
import {
  checkRequestedIds,
  headerValuesFromRaw,
  type RequestedModels,
  readRequestedModels,
} from "./model-id-headers.js";
import { plainMessage, wholeFrame } from "./request-message.js";

/** The dataplane rule of one method: its config (if any), or a refusal. */
export function dataplaneRule(
  dataplane: DataplaneConfig | undefined,
  method: string,
): DataplaneRpcConfig | undefined {
  if (dataplane === undefined) return undefined;
  const rpc = Object.hasOwn(dataplane.rpcConfigs, method) ? dataplane.rpcConfigs[method] : undefined;
  // Not listed and other methods not allowed: UNIMPLEMENTED without a description (§2.1).
  if (rpc === undefined && !dataplane.allowOtherRpcs) throw new MeshError("UNIMPLEMENTED", "");
  return rpc;
}

/**
 * The string at `path` in the request's single message (inflated first when gzip or deflate
 * compressed); undefined when absent or compressed another way.
 */
function extractFromBody(
  body: readonly Buffer[],
  path: readonly number[],
  encoding: MessageEncoding,
): string | undefined {
  const message = plainMessage(wholeFrame(body), encoding.encoding, encoding.maxMessageBytes);
  return message === undefined ? undefined : extractField(message, path);
}

/**
 * The models of a request (§2.1): from the body at the method's `idExtractionPath` when
 * configured and present (it takes precedence over headers), else from the id headers.
 */
export function modelsFromBody(
  req: Http2ServerRequest,
  rpc: DataplaneRpcConfig,
  body: readonly Buffer[],
  maxMessageBytes: number,
): RequestedModels {
  const headers = headerValuesFromRaw(req.rawHeaders);
  const encoding = { encoding: req.headers["grpc-encoding"] as string | undefined, maxMessageBytes };
  const id = extractFromBody(body, rpc.idExtractionPath, encoding);
  if (id === undefined || id === "") return readRequestedModels(headers);
  checkRequestedIds([id], rpc.vModelId, "model id in the request body");
  return {
    ids: [id],
    isVModel: rpc.vModelId,
    balanced: headers("mm-balanced")[0]?.toLowerCase() === "true",
    requireAll: false,
  };
}
