import {
  type CopyRequest,
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
 *
 * Chained loads (§5.3, `tas.chain_load_count`): a request for `chainCount` further copies is
 * carried out here in the background, one link after another, each placed with the previous
 * targets excluded once the previous target has started its load. (The original had each target
 * start the next link; the receiving side does not, so the chain count sent to a target is 0 and
 * the chain cannot run twice.)
 */
export function createPeerCopyRequester(
  ctx: MeshContext,
  link: PeerLink,
  local: CopyRequester,
): CopyRequester {
  /** Requests one copy; `initiated` settles once the target has started its load (or failed to). */
  const requestOne = async (request: CopyRequest): Promise<ChainLink> => {
    const result = await local.requestCopy(request);
    if (result.kind !== "remote" || result.sent) return { result, initiated: Promise.resolve() };
    const peer = link.refOf(result.instanceId);
    if (peer === undefined) return { result, initiated: Promise.resolve() };
    const excluded = request.excludeInstanceIds.filter((id) => id !== result.instanceId);
    const initiated = link.client
      .modelStatus(peer, {
        context: {
          modelId: request.modelId,
          hop: "load_local_only",
          cacheHitExcludes: [],
          cacheMissExcludes: excluded,
          chainLoadCount: 0,
          weight: 1,
          destinationInstanceId: result.instanceId,
        },
        load: true,
        sync: false,
        lastUsedMs: request.lastUsedMs,
        excludeInstances: excluded,
      })
      .then(
        () => undefined,
        (error: unknown) => {
          ctx.logger.warn(
            { modelId: request.modelId, target: result.instanceId, reason: String(error) },
            "asking another instance to load a copy failed",
          );
        },
      );
    ctx.logger.info(
      { modelId: request.modelId, reason: request.reason, target: result.instanceId },
      "asked another instance to load a copy",
    );
    return { result: { kind: "remote", instanceId: result.instanceId, sent: true }, initiated };
  };
  /** Requests the further links of a chain after `first`, one at a time. */
  const continueChain = async (first: ChainLink, request: CopyRequest): Promise<void> => {
    let previous = first;
    let next = request;
    while (next.chainCount > 0) {
      const target = chainTarget(ctx, previous.result);
      if (target === undefined) return;
      // The next link waits until this one's target has registered its copy, so neither target
      // takes the other's copy for a reason not to load (as the original's chain, where each
      // target starts the next link once its own load has started).
      await settledWithin(previous.initiated, CHAIN_LINK_WAIT_MS);
      next = {
        ...next,
        excludeInstanceIds: [...next.excludeInstanceIds, target],
        chainCount: next.chainCount - 1,
      };
      previous = await requestOne(next);
    }
  };
  return {
    async requestCopy(request): Promise<CopyRequestResult> {
      const first = await requestOne(request);
      if (request.chainCount > 0) {
        continueChain(first, request).catch((error: unknown) => {
          ctx.logger.warn(
            { modelId: request.modelId, reason: String(error) },
            "a chained copy request failed",
          );
        });
      }
      return first.result;
    },
  };
}

/**
 * Bound on waiting for a target to start its load before the next link of a chain (ms): the
 * original's deadline for an internal asynchronous ensureLoaded.
 */
const CHAIN_LINK_WAIT_MS = 3000;

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, elapsed]).finally(() => clearTimeout(timer));
}

/** One requested copy, and when its target has started loading it. */
interface ChainLink {
  readonly result: CopyRequestResult;
  readonly initiated: Promise<void>;
}

/** The instance a started link of a chain went to, or undefined when it did not start. */
function chainTarget(ctx: MeshContext, result: CopyRequestResult): string | undefined {
  if (result.kind === "loading-here") return ctx.selfId;
  return result.kind === "remote" && result.sent ? result.instanceId : undefined;
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
