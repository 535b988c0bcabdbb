import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { isMeshError, MeshError } from "@modelmesh/core";
import { GrpcCode, methodPolicy } from "@modelmesh/runtime-client";
import type { Context } from "@opentelemetry/api";
import { toGrpcStatus } from "../edge/grpc-status.js";
import type { MeshContext } from "../mesh-context.js";
import { trackApiRequest } from "../metrics/api-request.js";
import type { DataplaneConfig, DataplaneRpcConfig } from "../model-mesh.js";
import { CallCapture } from "../payload/call-capture.js";
import type { PayloadProcessing } from "../payload/payload-processing.js";
import type { RoutingView } from "../routing/routing-view.js";
import { tagRequestedModel, tracedInference } from "../tracing/traced-calls.js";
import type { VModelTables } from "../vmodels/records.js";
import { activeModelOf, resolveVModel } from "../vmodels/resolve-vmodel.js";
import { releaseAnsweredStream } from "./answered-stream.js";
import { respondWithStatus } from "./grpc-response.js";
import { parseGrpcTimeout } from "./grpc-timeout.js";
import { injectModelId } from "./id-injection.js";
import { routeInference } from "./inference-route.js";
import { headerValuesFromRaw, type RequestedModels, readRequestedModels } from "./model-id-headers.js";
import { serveMultiModel } from "./multi-model.js";
import { readRequestBody } from "./read-request.js";
import { relayCall } from "./relay-call.js";
import { type RequestHeaderFields, requestLogger } from "./request-logger.js";
import { dataplaneRule, modelsFromBody } from "./resolve-models.js";
import type { StreamLimits } from "./stream-limits.js";

/** Live counters the mesh exposes. */
export interface InferenceCounters {
  inFlight: number;
}

/** What the inference handler needs besides the context. */
export interface InferenceHandlerOptions {
  readonly ctx: MeshContext;
  readonly view: RoutingView;
  readonly counters: InferenceCounters;
  readonly maxMessageBytes: number;
  /** `MM_DATAPLANE_CONFIG` now (it can be replaced while serving): id extraction and the method allow-list. */
  readonly dataplane: () => DataplaneConfig | undefined;
  /** Concurrent model calls of one multi-model request (`MM_MULTI_PARALLELISM`). */
  readonly multiParallelism: number;
  /** `MM_LOG_REQUEST_HEADERS`: request headers added to the call's log lines. */
  readonly logRequestHeaders: RequestHeaderFields | undefined;
  /** False before start and during shutdown: calls are refused with UNAVAILABLE. */
  readonly accepting: () => boolean;
  /** Request body timeout and stalled-reader limit of each call. */
  readonly streamLimits: StreamLimits;
  /** The vmodel tables: calls by vmodel id go to the vmodel's active model. */
  readonly vmodels: VModelTables;
  /** `MM_PAYLOAD_PROCESSORS`: absent when none are configured (then no byte is kept for them). */
  readonly payloads?: PayloadProcessing | undefined;
}

const HTTP1_BODY = JSON.stringify({
  code: "unimplemented",
  message:
    "ModelMesh inference pass-through needs HTTP/2 (gRPC). Over HTTP/1.1 only the mmesh.ModelMesh " +
    "management service is served (Connect protocol, JSON or binary).",
});

/**
 * Checks that can answer before the body is read (readiness, protocol, the runtime's method
 * allow-list); returns the id injection path of an allowed method, or throws.
 */
function precheck(
  options: InferenceHandlerOptions,
  req: Http2ServerRequest,
  method: string,
): readonly number[] {
  if (!options.accepting()) throw new MeshError("STORE_UNAVAILABLE", "ModelMesh instance is not ready");
  const contentType = req.headers["content-type"] ?? "";
  if (!contentType.startsWith("application/grpc") || contentType.startsWith("application/grpc-web")) {
    throw new MeshError(
      "UNIMPLEMENTED",
      `Inference pass-through supports gRPC only, not content-type "${contentType}"`,
    );
  }
  const policy = methodPolicy(options.ctx.runtime.parameters, method);
  if (policy.t === "denied") throw new MeshError("UNIMPLEMENTED", policy.message);
  return policy.idInjectionPath;
}

async function handle(
  options: InferenceHandlerOptions,
  req: Http2ServerRequest,
  trace?: Context,
): Promise<void> {
  const { ctx, view } = options;
  const stream = req.stream;
  const path = req.headers[":path"] ?? "/";
  const method = path.slice(1);
  const controller = new AbortController();
  const onClose = () => controller.abort();
  stream.once("close", onClose);
  const log = requestLogger(ctx.logger, req.headers, options.logRequestHeaders);
  let capture: CallCapture | undefined;
  let failureCode: number | undefined;
  const tracked = trackApiRequest(ctx, stream, method);
  try {
    const injectionPath = precheck(options, req, method);
    const rpc = dataplaneRule(options.dataplane(), method);
    const extract = rpc !== undefined && rpc.idExtractionPath.length > 0;
    // Without body extraction the ids come from headers: fail fast before reading the body.
    let requested = extract ? undefined : readRequestedModels(headerValuesFromRaw(req.rawHeaders));
    const timeoutMs = parseGrpcTimeout(req.headers["grpc-timeout"] as string | undefined);
    const deadlineMs = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const body = await readRequestBody(
      req,
      options.maxMessageBytes,
      options.streamLimits.requestBodyTimeoutMs,
    );
    requested ??= modelsFromBody(req, rpc as DataplaneRpcConfig, body, options.maxMessageBytes);
    const encoding = {
      encoding: req.headers["grpc-encoding"] as string | undefined,
      maxMessageBytes: options.maxMessageBytes,
    };
    if (tracked !== undefined) {
      tracked.requestBytes = body.reduce((sum, chunk) => sum + chunk.length, 0);
      if (requested.isVModel && requested.ids.length === 1) tracked.vModelId = requested.ids[0] as string;
    }
    if (requested.ids.length > 1) {
      const ids = requested.isVModel
        ? await Promise.all(requested.ids.map((id) => resolveVModel(options.vmodels, id)))
        : requested.ids;
      await serveMultiModel(ctx, view, {
        ids,
        required: requested.requireAll ? "all" : "any",
        parallelism: options.multiParallelism,
        path,
        headers: req.headers,
        body,
        injectionPath,
        encoding,
        balanced: requested.balanced,
        deadlineMs,
        signal: controller.signal,
        client: stream,
        logger: log,
      });
      return;
    }
    const id = requested.ids[0] as string;
    if (trace !== undefined) tagRequestedModel(trace, id, requested.isVModel);
    if (options.payloads !== undefined) {
      capture = new CallCapture(options.payloads, {
        method,
        headers: req.headers,
        body,
        requestedId: id,
        vModelId: requested.isVModel ? id : undefined,
        maxResponseBytes: options.maxMessageBytes,
      });
    }
    const route = (modelId: string) => {
      if (capture !== undefined) capture.modelId = modelId;
      if (tracked !== undefined) tracked.modelId = modelId;
      return routeInference(ctx, view, {
        modelId,
        ...(tracked === undefined ? {} : { vModelId: tracked.vModelId }),
        path,
        headers: req.headers,
        body: injectionPath.length > 0 ? injectModelId(body, injectionPath, modelId, encoding) : body,
        balanced: (requested as RequestedModels).balanced,
        deadlineMs,
        ...(trace === undefined ? {} : { trace }),
        signal: controller.signal,
        logger: log,
        send: (request, via) =>
          relayCall(via ?? ctx.runtime.forwarder, request, stream, {
            stallTimeoutMs: options.streamLimits.stallTimeoutMs,
            onLateFailure: (error) =>
              log.warn({ modelId, reason: error.message }, "call failed after part of the answer was sent"),
            ...(capture === undefined ? {} : { observer: capture.observer }),
            ...(tracked === undefined
              ? {}
              : {
                  onResponseBytes: (bytes: number) => {
                    tracked.responseBytes += bytes;
                  },
                }),
          }),
      });
    };
    if (!requested.isVModel) {
      await route(id);
      return;
    }
    // Hot path: the vmodel's active model from the mirror, no store access.
    const modelId = activeModelOf(options.vmodels, id) ?? (await resolveVModel(options.vmodels, id));
    try {
      await route(modelId);
    } catch (error) {
      // The model went away under the call (a transition completed and removed it): once more,
      // with the vmodel read from the store. Nothing was sent to the client before this error.
      if (!isMeshError(error) || error.code !== "MODEL_NOT_FOUND") throw error;
      await route(await resolveVModel(options.vmodels, id, modelId));
    }
  } catch (error) {
    const status = toGrpcStatus(error);
    failureCode = status.code;
    // The mesh's own failures are worth a line: clients only see the message.
    if (status.code === GrpcCode.INTERNAL || status.code === GrpcCode.UNKNOWN) {
      log.warn({ path, code: status.code, reason: status.message }, "inference call failed");
    }
    respondWithStatus(stream, status);
  } finally {
    capture?.finish(failureCode);
    stream.off("close", onClose);
    releaseAnsweredStream(stream, options.streamLimits.stallTimeoutMs);
  }
}

/**
 * The Connect adapter's `fallback`: serves every path that is not a mesh service as an
 * inference pass-through to the runtime (design §4, behaviour §2.1). HTTP/1.1 requests get a
 * HTTP 501 with a Connect error (`unimplemented`) explaining that gRPC (HTTP/2) is needed.
 */
export function createInferenceHandler(options: InferenceHandlerOptions) {
  return (req: Http2ServerRequest, res: Http2ServerResponse): void => {
    if (req.httpVersionMajor !== 2) {
      res.writeHead(501, { "content-type": "application/json" });
      res.end(HTTP1_BODY);
      return;
    }
    options.counters.inFlight++;
    const tracer = options.ctx.tracer;
    (tracer === undefined
      ? handle(options, req)
      : tracedInference(tracer, { headers: req.headers, path: req.url }, (trace) =>
          handle(options, req, trace),
        )
    )
      .catch((error: unknown) => {
        options.ctx.logger.error({ reason: String(error) }, "inference handler failed");
      })
      .finally(() => {
        options.counters.inFlight--;
      });
  };
}
