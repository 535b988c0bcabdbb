import { spliceField } from "@modelmesh/core";
import { plainMessage, uncompressedFrame, wholeFrame } from "./request-message.js";

/** How the request's message is encoded: its `grpc-encoding` and the message size limit. */
export interface MessageEncoding {
  readonly encoding: string | undefined;
  readonly maxMessageBytes: number;
}

/**
 * Writes the concrete model id into the request message at the runtime's `idInjectionPath`,
 * re-framing the single length-prefixed message. A gzip or deflate
 * compressed message is inflated first and, when the id changes it, sent on uncompressed (flag 0,
 * which gRPC allows whatever `grpc-encoding` says); other compressions pass unchanged.
 */
export function injectModelId(
  frames: readonly Buffer[],
  path: readonly number[],
  modelId: string,
  encoding: MessageEncoding,
): Buffer[] {
  const frame = wholeFrame(frames);
  const message = plainMessage(frame, encoding.encoding, encoding.maxMessageBytes);
  if (message === undefined) return [frame];
  const spliced = spliceField(message, path, modelId);
  return spliced === message ? [frame] : uncompressedFrame(spliced);
}
