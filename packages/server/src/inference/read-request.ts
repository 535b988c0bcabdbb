import type { Http2ServerRequest } from "node:http2";
import { MeshError } from "@modelmesh/core";
import { RequestFrameScanner } from "./request-frames.js";

/**
 * Reads a pass-through request's body completely (the call is invoked at half-close, §2.1),
 * enforcing the message size limit as bytes arrive (RESOURCE_EXHAUSTED) and refusing client
 * streaming as soon as a second message starts (UNIMPLEMENTED "Streaming not supported yet").
 * An empty body is INTERNAL "Half-closed without a request". A body still incomplete
 * `timeoutMs` after the call began is DEADLINE_EXCEEDED: the mesh stops waiting for a client
 * that sent part of a request and then nothing (or trickles it), instead of holding the call and
 * its buffered bytes for as long as the connection lives. Resolves with the raw frames.
 */
export function readRequestBody(
  req: Http2ServerRequest,
  maxMessageBytes: number,
  timeoutMs: number,
): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const scanner = new RequestFrameScanner(maxMessageBytes);
    let chunks: Buffer[] = [];
    const detach = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("aborted", onAborted);
    };
    const stop = (error: MeshError) => {
      detach();
      chunks = [];
      req.resume();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      const scan = scanner.scan(chunk);
      if (scan.kind === "too-large") {
        stop(
          new MeshError(
            "CAPACITY_EXHAUSTED",
            `gRPC message exceeds maximum size ${maxMessageBytes}: ${scan.lengthBytes}`,
          ),
        );
        return;
      }
      if (scanner.messages > 1) {
        stop(new MeshError("UNIMPLEMENTED", "Streaming not supported yet"));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      detach();
      if (scanner.messages === 0) reject(new MeshError("INTERNAL", "Half-closed without a request"));
      else if (scanner.partial) reject(new MeshError("INTERNAL", "Incomplete request message"));
      else resolve(chunks);
    };
    const onAborted = () => stop(new MeshError("CANCELLED", "Request cancelled by the client"));
    const timer = setTimeout(
      () => stop(new MeshError("DEADLINE_EXCEEDED", `request body not complete within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("aborted", onAborted);
  });
}
