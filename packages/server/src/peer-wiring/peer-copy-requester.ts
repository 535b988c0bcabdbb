import {
  type CopyRequester,
  type CopyRequestResult,
  createLocalCopyRequester,
  type LocalCopyRequesterOptions,
} from "../cluster/copy-requester.js";
import type { MeshContext } from "../mesh-context.js";
import type { PeerLink } from "./peer-link.js";
import type { PeerService } from "./peer-service.js";

/**
 * A {@link CopyRequester} that reaches other instances: `local` decides (placement, loads here
 * when this instance is the target); when it picks another instance, that instance is asked with
 * the peer `ModelStatus` operation (hop `load_local_only`, `load`, not `sync`) to load a copy,
 * with the request's exclusions so it loads rather than pointing at an existing copy. The call is
 * not awaited beyond being sent; a failure is logged.
 */
export function createPeerCopyRequester(
  ctx: MeshContext,
  link: PeerLink,
  local: CopyRequester,
): CopyRequester {
  return {
    async requestCopy(request): Promise<CopyRequestResult> {
      const result = await local.requestCopy(request);
      if (result.kind !== "remote" || result.sent) return result;
      const peer = link.refOf(result.instanceId);
      if (peer === undefined) return result;
      const excluded = request.excludeInstanceIds.filter((id) => id !== result.instanceId);
      link.client
        .modelStatus(peer, {
          context: {
            modelId: request.modelId,
            hop: "load_local_only",
            cacheHitExcludes: [],
            cacheMissExcludes: excluded,
            chainLoadCount: request.chainCount,
            weight: 1,
            destinationInstanceId: result.instanceId,
          },
          load: true,
          sync: false,
          lastUsedMs: request.lastUsedMs,
          excludeInstances: excluded,
        })
        .catch((error: unknown) => {
          ctx.logger.warn(
            { modelId: request.modelId, target: result.instanceId, reason: String(error) },
            "asking another instance to load a copy failed",
          );
        });
      ctx.logger.info(
        { modelId: request.modelId, reason: request.reason, target: result.instanceId },
        "asked another instance to load a copy",
      );
      return { kind: "remote", instanceId: result.instanceId, sent: true };
    },
  };
}

/**
 * The copy requester of an instance with a peer service: placement and local loads as
 * {@link createLocalCopyRequester}, remote targets asked through the peer link. Undefined without
 * a peer service (the cluster duties then use the local requester).
 */
export function peerCopyRequester(
  service: PeerService | undefined,
  options: LocalCopyRequesterOptions,
): CopyRequester | undefined {
  if (service === undefined) return undefined;
  return createPeerCopyRequester(options.ctx, service.link, createLocalCopyRequester(options));
}
