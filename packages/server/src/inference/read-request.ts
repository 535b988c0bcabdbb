import type { Http2ServerRequest } from "node:http2";
import { MeshError } from "@modelmesh/core";
import { RequestFrameScanner } from "./request-frames.js";

/**
 * Reads a pass-through request's body completely (the call is invoked at half-close, §2.1),
 * enforcing the message size limit as bytes arrive (RESOURCE_EXHAUSTED) and refusing client
 * streaming as soon as a second message starts (UNIMPLEMENTED "Streaming not supported yet").
 * An empty body is INTERNAL "Half-closed without a request". Resolves with the raw frames.
 */
export function readRequestBody(req: Http2ServerRequest, maxMessageBytes: number): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const scanner = new RequestFrameScanner(maxMessageBytes);
    const chunks: Buffer[] = [];
    const stop = (error: MeshError) => {
      req.off("data", onData);
      req.off("end", onEnd);
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
      req.off("data", onData);
      if (scanner.messages === 0) reject(new MeshError("INTERNAL", "Half-closed without a request"));
      else if (scanner.partial) reject(new MeshError("INTERNAL", "Incomplete request message"));
      else resolve(chunks);
    };
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("aborted", () => stop(new MeshError("CANCELLED", "Request cancelled by the client")));
  });
}
