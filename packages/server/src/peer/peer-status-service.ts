import { type Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { MeshError } from "@modelmesh/core";
import type { MeshPeerService, ModelStatusRequest, ModelStatusResponse } from "@modelmesh/proto";
import { truncateMessage } from "@modelmesh/runtime-client";
import { statusAnswerToProto, statusRequestFromProto } from "./context-proto.js";
import { encodePeerError, errorForPeer, MAX_PEER_ERROR_MESSAGE_CHARS } from "./peer-errors.js";
import type { PeerRoutingContext } from "./routing-context.js";
import type { PeerHandler } from "./types.js";

/** A MeshError as Connect sends it: the status, with the error-kind fields as trailers. */
export function peerConnectError(error: MeshError): ConnectError {
  const { status, metadata } = encodePeerError(error);
  return new ConnectError(status.message, status.code as Code, new Headers(metadata), undefined, error);
}

/**
 * `MODEL_NOT_HERE` when the sender meant another instance (`destinationInstanceId`): this
 * address now belongs to a new instance, so the copy the sender wanted is not here.
 */
export function destinationMismatch(context: PeerRoutingContext, instanceId: string): MeshError | undefined {
  const wanted = context.destinationInstanceId;
  if (wanted === undefined || wanted === instanceId) return undefined;
  return new MeshError(
    "MODEL_NOT_HERE",
    `request for instance ${wanted} reached instance ${instanceId}; model ${context.modelId} is not here`,
    { instanceId, modelId: context.modelId },
  );
}

/** A status answer's failure messages (the asked model's), each cut to the peer message limit. */
function boundedErrors(errors: readonly string[]): string[] {
  return errors.map((message) => truncateMessage(message, MAX_PEER_ERROR_MESSAGE_CHARS));
}

/**
 * The `MeshPeerService` implementation: validates the request (`INVALID_ARGUMENT` on garbage or
 * out-of-bounds hints), checks the destination, passes the deadline and cancellation on, and
 * delegates to the handler. Every failure leaves as a gRPC error with error-kind trailers (the
 * message withheld when it concerns another model than the one asked about).
 */
export function peerStatusService(
  handler: PeerHandler,
  instanceId: string,
): ServiceImpl<typeof MeshPeerService> {
  return {
    async modelStatus(message: ModelStatusRequest, ctx: HandlerContext): Promise<ModelStatusResponse> {
      const request = statusRequestFromProto(message);
      if (!request.ok) throw peerConnectError(request.error);
      const mismatch = destinationMismatch(request.value.context, instanceId);
      if (mismatch !== undefined) throw peerConnectError(mismatch);
      const remainingMs = ctx.timeoutMs();
      try {
        const details = await handler.modelStatus(request.value, {
          signal: ctx.signal,
          ...(remainingMs === undefined ? {} : { deadlineMs: Date.now() + remainingMs }),
        });
        return statusAnswerToProto({ ...details, errors: boundedErrors(details.errors), instanceId });
      } catch (error) {
        throw peerConnectError(errorForPeer(MeshError.from(error), request.value.context.modelId));
      }
    },
  };
}
