import { create } from "@bufbuild/protobuf";
import { type Client, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import {
  type LoadModelRequest,
  LoadModelRequestSchema,
  type LoadModelResponse,
  ModelRuntime,
  type PredictModelSizeRequest,
  type RuntimeStatusResponse,
} from "@modelmesh/proto";
import type { RuntimeEndpoint } from "./endpoints.js";
import { http2TargetFor } from "./forwarder/session-pool.js";
import { GrpcCode, type GrpcStatus } from "./grpc-status.js";

/** Node error codes that mean "the runtime is not there (now)": treated as UNAVAILABLE. */
const connectionErrorCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_HTTP2_GOAWAY_SESSION",
  "ERR_HTTP2_SESSION_ERROR",
  "ERR_HTTP2_STREAM_CANCEL",
  "ERR_HTTP2_STREAM_ERROR",
  "ERR_HTTP2_INVALID_SESSION",
  "ERR_HTTP2_ERROR",
  "ERR_STREAM_PREMATURE_CLOSE",
]);

function nodeErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && connectionErrorCodes.has(code)) return code;
  }
  return undefined;
}

/**
 * The gRPC status of a failed management call. Connection failures (refused, reset, missing
 * socket) become UNAVAILABLE whatever code the transport chose, so "not up yet" is one case.
 */
export function statusOfCallError(error: unknown): GrpcStatus {
  const connectionCode = nodeErrorCode(error);
  if (connectionCode !== undefined) {
    const message = error instanceof ConnectError ? error.rawMessage : String(error);
    return { code: GrpcCode.UNAVAILABLE, message: `${connectionCode}: ${message}` };
  }
  if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
  return { code: GrpcCode.UNKNOWN, message: error instanceof Error ? error.message : String(error) };
}

/**
 * Typed `mmesh.ModelRuntime` calls to one endpoint over a Connect gRPC transport (one HTTP/2
 * connection, reconnected on demand). Calls reject with the transport's error; use
 * {@link statusOfCallError} to read its gRPC status.
 */
export class RuntimeManagementClient {
  readonly endpoint: RuntimeEndpoint;
  readonly #sessions: Http2SessionManager;
  readonly #client: Client<typeof ModelRuntime>;

  constructor(endpoint: RuntimeEndpoint) {
    this.endpoint = endpoint;
    const target = http2TargetFor(endpoint);
    this.#sessions = new Http2SessionManager(target.url, {}, target.options);
    this.#client = createClient(
      ModelRuntime,
      createGrpcTransport({ baseUrl: target.url, sessionManager: this.#sessions }),
    );
  }

  /** `runtimeStatus` with a deadline. */
  runtimeStatus(timeoutMs: number, signal?: AbortSignal): Promise<RuntimeStatusResponse> {
    return this.#client.runtimeStatus({}, { timeoutMs, ...(signal === undefined ? {} : { signal }) });
  }

  /** `loadModel`, without a deadline (§8.4); `signal` cancels the call. */
  loadModel(request: Omit<LoadModelRequest, "$typeName">, signal: AbortSignal): Promise<LoadModelResponse> {
    return this.#client.loadModel(create(LoadModelRequestSchema, request), { signal });
  }

  /** `unloadModel`, without a deadline (§8.4). */
  async unloadModel(modelId: string): Promise<void> {
    await this.#client.unloadModel({ modelId });
  }

  /** `modelSize` → bytes. */
  async modelSize(modelId: string, timeoutMs: number): Promise<number> {
    return Number((await this.#client.modelSize({ modelId }, { timeoutMs })).sizeInBytes);
  }

  /** `predictModelSize` → bytes. */
  async predictModelSize(
    request: Omit<PredictModelSizeRequest, "$typeName">,
    timeoutMs: number,
  ): Promise<number> {
    return Number((await this.#client.predictModelSize(request, { timeoutMs })).sizeInBytes);
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#sessions.abort();
  }
}
