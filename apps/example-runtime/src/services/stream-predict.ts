import type { IncomingHttpHeaders } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { PredictRequestSchema, PredictResponseSchema } from "@modelmesh/proto";
import type { RuntimeState } from "../runtime-state.js";
import { modelIdOf, runTextCommand, withLoadedModel } from "./inference-call.js";
import { predictResults } from "./predictor-service.js";

/**
 * An extra server-streaming method, outside the proto contracts (which have none), so stream
 * forwarding can be tested: `PredictRequest` in, one `PredictResponse` per word of `text` out.
 * Words that are `test:` commands act as in predict (`test:delay:<ms>` pauses the stream,
 * `test:error:...` ends it with that error after the messages so far, `test:answer-bytes:<n>` sends
 * a message of about n bytes).
 */
export const streamPredictMethod = "mmesh.ExamplePredictor/streamPredict";

/** Percent-encodes a grpc-message value as the gRPC HTTP/2 spec requires. */
function encodeGrpcMessage(message: string): string {
  return Array.from(Buffer.from(message, "utf8"), (b) =>
    b >= 0x20 && b <= 0x7e && b !== 0x25
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming)) {
    if (!name.startsWith(":") && value !== undefined)
      headers.set(name, Array.isArray(value) ? value.join(",") : value);
  }
  return headers;
}

function frame(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + bytes.byteLength);
  out[0] = 0;
  out.writeUInt32BE(bytes.byteLength, 1);
  out.set(bytes, 5);
  return out;
}

function readRequest(body: Buffer) {
  const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
  if (length < 0 || body.length !== 5 + length || body[0] !== 0) {
    throw new ConnectError("expected exactly one uncompressed request message", Code.InvalidArgument);
  }
  return fromBinary(PredictRequestSchema, body.subarray(5));
}

/** A signal that aborts when the caller goes away or its `grpc-timeout` passes. */
function callSignal(req: Http2ServerRequest, res: Http2ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort(new ConnectError("cancelled by the caller", Code.Canceled));
  });
  const timeout = /^(\d+)([HMSmun])$/.exec(String(req.headers["grpc-timeout"] ?? ""));
  if (timeout) {
    const unitMs = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 }[timeout[2] as "H"];
    const timer = setTimeout(
      () => controller.abort(new ConnectError("deadline exceeded", Code.DeadlineExceeded)),
      Number(timeout[1]) * unitMs,
    );
    res.on("close", () => clearTimeout(timer));
  }
  return controller.signal;
}

function finish(res: Http2ServerResponse, error: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  const status = error === undefined ? undefined : ConnectError.from(error);
  const trailers = {
    "grpc-status": String(status?.code ?? 0),
    ...(status ? { "grpc-message": encodeGrpcMessage(status.rawMessage) } : {}),
  };
  if (!res.headersSent) {
    // Trailers-only response: the status travels in the headers.
    res.writeHead(200, { "content-type": "application/grpc", ...trailers });
  } else {
    res.addTrailers(trailers);
  }
  res.end();
}

/** Serves {@link streamPredictMethod} on a raw HTTP/2 request (the Connect adapter's fallback). */
export function serveStreamPredict(
  state: RuntimeState,
  req: Http2ServerRequest,
  res: Http2ServerResponse,
): void {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const signal = callSignal(req, res);
    const run = async () => {
      const request = readRequest(Buffer.concat(chunks));
      const modelId = modelIdOf(toHeaders(req.headers), request.modelName);
      const call = { method: streamPredictMethod, modelId, signal };
      await withLoadedModel(state, call, async (model) => {
        for (const word of request.text.split(/\s+/).filter((w) => w.length > 0)) {
          const canned = word.startsWith("test:") ? await runTextCommand(state, word, call) : undefined;
          if (word.startsWith("test:") && canned === undefined) continue;
          if (!res.headersSent) res.writeHead(200, { "content-type": "application/grpc" });
          const response = create(PredictResponseSchema, {
            results: predictResults(canned ?? model.predictText(word), request.modelName),
          });
          res.write(frame(toBinary(PredictResponseSchema, response)));
        }
      });
    };
    run().then(
      () => finish(res, undefined),
      (error: unknown) => finish(res, error),
    );
  });
}
