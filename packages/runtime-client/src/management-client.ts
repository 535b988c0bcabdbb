import { ConnectError } from "@connectrpc/connect";
import {
  type LoadModelRequest,
  type LoadModelResponse,
  ModelRuntime,
  type PredictModelSizeRequest,
  type RuntimeStatusResponse,
} from "@modelmesh/proto";
import { connectionErrorCode } from "./connection-errors.js";
import type { RuntimeEndpoint } from "./endpoints.js";
import { Http2SessionPool, http2TargetFor, type SessionPoolOptions } from "./forwarder/session-pool.js";
import { GrpcCode, type GrpcStatus } from "./grpc-status.js";
import { callUnary } from "./unary-call.js";

/**
 * The gRPC status of a failed management call. Connection failures (refused, reset, missing
 * socket) become UNAVAILABLE whatever code the transport chose, so "not up yet" is one case.
 */
export function statusOfCallError(error: unknown): GrpcStatus {
  const connectionCode = connectionErrorCode(error);
  if (connectionCode !== undefined) {
    const message = error instanceof ConnectError ? error.rawMessage : String(error);
    return { code: GrpcCode.UNAVAILABLE, message: `${connectionCode}: ${message}` };
  }
  if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
  return { code: GrpcCode.UNKNOWN, message: error instanceof Error ? error.message : String(error) };
}

/** The management RPCs, as protobuf-es method descriptors. */
const methods = ModelRuntime.method;

/**
 * Typed `mmesh.ModelRuntime` calls to one endpoint as plain gRPC unary calls over one HTTP/2
 * connection (reconnected on demand), with protobuf-es encoding: no RPC framework per call.
 * Calls reject as a Connect client would (a ConnectError with the runtime's status, or Node's
 * connection error); use {@link statusOfCallError} to read its gRPC status.
 */
export class RuntimeManagementClient {
  readonly endpoint: RuntimeEndpoint;
  readonly #sessions: Http2SessionPool;

  /**
   * `keepAlive`: HTTP/2 PINGs on the connection (see `SessionPoolOptions`; default none), so that
   * loads and unloads, which have no deadline, fail when the runtime stops answering.
   */
  constructor(
    endpoint: RuntimeEndpoint,
    keepAlive: Pick<SessionPoolOptions, "keepAliveIntervalMs" | "keepAliveTimeoutMs"> = {},
  ) {
    this.endpoint = endpoint;
    // Management messages are small: default HTTP/2 windows, a modest session memory cap.
    this.#sessions = new Http2SessionPool(http2TargetFor(endpoint), {
      ...keepAlive,
      size: 1,
      windowBytes: 1024 * 1024,
      maxSessionMemoryMb: 32,
    });
  }

  /** `runtimeStatus` with a deadline. */
  runtimeStatus(timeoutMs: number, signal?: AbortSignal): Promise<RuntimeStatusResponse> {
    return callUnary(
      this.#sessions,
      methods.runtimeStatus,
      {},
      {
        timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      },
    );
  }

  /**
   * Resolves once the runtime answers an HTTP/2 PING on the management connection within
   * `timeoutMs` (connecting first when there is no connection); rejects with the reason
   * otherwise. No RPC is sent, so the runtime's state is untouched.
   */
  ping(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let session: ReturnType<Http2SessionPool["session"]>;
      try {
        session = this.#sessions.session();
      } catch (error) {
        reject(error);
        return;
      }
      const label = this.#sessions.target.label;
      const done = (error?: Error | null) => {
        clearTimeout(timer);
        session.off("error", done);
        session.off("close", onClose);
        session.off("connect", send);
        if (error) reject(error);
        else resolve();
      };
      const onClose = () => done(new Error(`the connection to ${label} closed`));
      const send = () => {
        if (!session.ping((error) => done(error))) done(new Error(`could not send a PING to ${label}`));
      };
      const timer = setTimeout(
        () => done(new Error(`${label} did not answer an HTTP/2 PING within ${timeoutMs} ms`)),
        timeoutMs,
      );
      session.once("error", done);
      session.once("close", onClose);
      if (session.connecting) session.once("connect", send);
      else send();
    });
  }

  /** `loadModel`, without a deadline (§8.4); `signal` cancels the call. */
  loadModel(request: Omit<LoadModelRequest, "$typeName">, signal: AbortSignal): Promise<LoadModelResponse> {
    return callUnary(this.#sessions, methods.loadModel, request, { signal });
  }

  /** `unloadModel`, without a deadline (§8.4). */
  async unloadModel(modelId: string): Promise<void> {
    await callUnary(this.#sessions, methods.unloadModel, { modelId });
  }

  /** `modelSize` → bytes. */
  async modelSize(modelId: string, timeoutMs: number): Promise<number> {
    return Number(
      (await callUnary(this.#sessions, methods.modelSize, { modelId }, { timeoutMs })).sizeInBytes,
    );
  }

  /** `predictModelSize` → bytes. */
  async predictModelSize(
    request: Omit<PredictModelSizeRequest, "$typeName">,
    timeoutMs: number,
  ): Promise<number> {
    return Number(
      (await callUnary(this.#sessions, methods.predictModelSize, request, { timeoutMs })).sizeInBytes,
    );
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#sessions.close();
  }
}
