import { type ClientHttp2Stream, constants, type IncomingHttpHeaders } from "node:http2";
import { MeshError } from "@modelmesh/core";
import { GrpcCode, grpcCodeForHttpStatus, grpcStatusOf } from "../grpc-status.js";
import { MessageLimitScanner } from "./message-limit.js";
import type { ErrorTranslator, ForwardHandle, ForwardSink } from "./types.js";

/** What a call needs besides its stream. */
export interface CallContext {
  readonly method: string;
  readonly endpointLabel: string;
  readonly maxMessageBytes: number;
  readonly translateError: ErrorTranslator;
}

/**
 * One forwarded call. States: `waiting` (no response bytes delivered; headers held back),
 * `streaming` (headers and data delivered), `done` (a terminal callback was made; later events
 * are ignored).
 *
 * The trailers end the call only once the response body has been read to its end: Node emits
 * `trailers` as soon as the frame arrives, while body chunks received during a {@link pause}
 * still wait in the stream's read buffer. Ending the call at `trailers` would cut the answer
 * short and leave the paused stream, with its buffered bytes, open for good.
 */
export class ForwardCall implements ForwardHandle {
  readonly #sink: ForwardSink;
  readonly #context: CallContext;
  readonly #scanner: MessageLimitScanner;
  #state: "waiting" | "streaming" | "done" = "waiting";
  #stream: ClientHttp2Stream | undefined;
  #heldHeaders: IncomingHttpHeaders | undefined;
  #timer: NodeJS.Timeout | undefined;
  #signal: AbortSignal | undefined;
  #abortListener: (() => void) | undefined;
  #streamError: Error | undefined;
  /** Trailers received, delivered once the body has been read to its end. */
  #trailers: IncomingHttpHeaders | undefined;
  #bodyEnded = false;

  constructor(sink: ForwardSink, context: CallContext) {
    this.#sink = sink;
    this.#context = context;
    this.#scanner = new MessageLimitScanner(context.maxMessageBytes);
  }

  /** Follows `stream`'s events; arms the deadline and the cancellation signal. */
  attach(stream: ClientHttp2Stream, timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    this.#stream = stream;
    // Listeners are made here rather than as arrow-function class fields: fewer closures per
    // call, and no per-instance naming helper when run from source (hot path).
    stream.on("response", (headers: IncomingHttpHeaders) => this.#onResponse(headers));
    stream.on("data", (chunk: Buffer) => this.#onData(chunk));
    stream.on("trailers", (trailers: IncomingHttpHeaders) => this.#onTrailers(trailers));
    stream.on("end", () => this.#onEnd());
    stream.on("error", (error: Error) => {
      this.#streamError = error;
    });
    stream.on("close", () => this.#onClose());
    if (timeoutMs !== undefined) this.#timer = setTimeout(() => this.#onDeadline(), Math.max(0, timeoutMs));
    if (signal !== undefined) {
      this.#signal = signal;
      this.#abortListener = () => this.#onAbort();
      signal.addEventListener("abort", this.#abortListener, { once: true });
    }
  }

  pause(): void {
    this.#stream?.pause();
  }

  resume(): void {
    this.#stream?.resume();
  }

  cancel(): void {
    this.#onAbort();
  }

  /**
   * Ends the call with `error`: resets the stream (CANCEL) if it is still open, which makes Node
   * destroy it; destroys it here when the endpoint had already ended it, because Node keeps an
   * ended stream until its buffered body is read, and after a pause nobody reads it any more.
   */
  fail(error: MeshError): void {
    if (this.#state === "done") return;
    const started = this.#state === "streaming";
    this.#finish();
    const stream = this.#stream;
    if (stream !== undefined) {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      else if (!stream.destroyed) stream.destroy();
    }
    this.#sink.onError(error, started);
  }

  #finish(): void {
    this.#state = "done";
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#abortListener !== undefined) this.#signal?.removeEventListener("abort", this.#abortListener);
  }

  #deliverHeaders(): void {
    this.#state = "streaming";
    this.#sink.onHeaders(this.#heldHeaders ?? {});
  }

  #onResponse(headers: IncomingHttpHeaders): void {
    if (this.#state !== "waiting") return;
    const httpStatus = Number(headers[":status"]);
    if (httpStatus !== 200) {
      const code = grpcCodeForHttpStatus(httpStatus);
      this.fail(
        this.#context.translateError(
          this.#context.method,
          { code, message: `HTTP status ${httpStatus}` },
          headers,
        ),
      );
      return;
    }
    if (headers["grpc-status"] !== undefined) {
      this.#onTrailersOnly(headers);
      return;
    }
    this.#heldHeaders = headers;
  }

  /** A trailers-only response: the status came in the headers, with no body. */
  #onTrailersOnly(headers: IncomingHttpHeaders): void {
    const status = grpcStatusOf(headers) ?? { code: GrpcCode.UNKNOWN, message: "" };
    if (status.code !== GrpcCode.OK) {
      this.fail(this.#context.translateError(this.#context.method, status, headers));
      return;
    }
    const { "grpc-status": grpcStatus, "grpc-message": grpcMessage, ...rest } = headers;
    this.#heldHeaders = rest;
    this.#deliverHeaders();
    this.#finish();
    this.#sink.onTrailers({
      "grpc-status": grpcStatus,
      ...(grpcMessage === undefined ? {} : { "grpc-message": grpcMessage }),
    });
  }

  #onData(chunk: Buffer): void {
    if (this.#state === "done") return;
    if (!this.#scanner.scan(chunk)) {
      const { method, maxMessageBytes } = this.#context;
      this.fail(
        new MeshError(
          "RUNTIME_ERROR",
          `${method}: RESOURCE_EXHAUSTED: response message of ${this.#scanner.tooLongBytes} bytes exceeds the limit of ${maxMessageBytes} bytes`,
          { grpcCode: GrpcCode.RESOURCE_EXHAUSTED },
        ),
      );
      return;
    }
    if (this.#state === "waiting") this.#deliverHeaders();
    this.#sink.onData(chunk);
  }

  #onTrailers(trailers: IncomingHttpHeaders): void {
    if (this.#state === "done") return;
    const status = grpcStatusOf(trailers) ?? {
      code: GrpcCode.UNKNOWN,
      message: "trailers without grpc-status",
    };
    if (this.#state === "waiting" && status.code !== GrpcCode.OK) {
      // No body was delivered: this is an error "before any response".
      this.fail(this.#context.translateError(this.#context.method, status, trailers));
      return;
    }
    this.#trailers = trailers;
    this.#completeIfRead();
  }

  #onEnd(): void {
    this.#bodyEnded = true;
    this.#completeIfRead();
  }

  /** Delivers the trailers once they have arrived and every body byte has been delivered. */
  #completeIfRead(): void {
    const trailers = this.#trailers;
    if (this.#state === "done" || trailers === undefined || !this.#bodyEnded) return;
    if (this.#state === "waiting") this.#deliverHeaders();
    this.#finish();
    this.#sink.onTrailers(trailers);
  }

  #onClose(): void {
    if (this.#state === "done") return;
    const stream = this.#stream;
    const rst = stream?.rstCode;
    const why =
      this.#streamError?.message ??
      (rst !== undefined && rst !== 0 ? `stream reset (code ${rst})` : "stream closed");
    this.fail(
      new MeshError(
        "INSTANCE_UNAVAILABLE",
        `${this.#context.method}: connection to ${this.#context.endpointLabel} failed before the call completed: ${why}`,
        { cause: this.#streamError },
      ),
    );
  }

  #onDeadline(): void {
    this.fail(new MeshError("DEADLINE_EXCEEDED", `${this.#context.method}: deadline exceeded`));
  }

  #onAbort(): void {
    this.fail(
      new MeshError("CANCELLED", `${this.#context.method}: cancelled`, { cause: this.#signal?.reason }),
    );
  }
}
