import type { ConnectRouter } from "@connectrpc/connect";
import { GRPCInferenceService } from "@modelmesh/proto";

/** Name `inference.GRPCInferenceService/ServerMetadata` answers with. */
export const KSERVE_SERVER_NAME = "modelmesh";

/** What the mesh's own KServe V2 server-level answers are made of. */
export interface KServeServerCallsOptions {
  /**
   * Whether this instance can serve: what `ServerReady` answers. Read on every call, so it follows
   * start-up, runtime health and shutdown. It must not throw.
   */
  readonly isReady: () => boolean;
  /** `ServerMetadata.version`. */
  readonly version: string;
}

/**
 * Registers the three server-level methods of KServe V2's `inference.GRPCInferenceService` on a
 * Connect router, answered by the mesh itself without any model id: `ServerLive` (true whenever
 * the process answers at all), `ServerReady` (the instance's own readiness, false rather than an
 * error while it starts or drains) and `ServerMetadata` (name `modelmesh`, the given version, no
 * extensions). Only these methods are registered, one by one: `ModelReady`, `ModelMetadata`,
 * `ModelInfer` and every other method of the service stay unknown to the router and reach the
 * inference pass-through, which routes them to a model like any other inference call.
 */
export function registerKServeServerCalls(router: ConnectRouter, options: KServeServerCallsOptions): void {
  const { method } = GRPCInferenceService;
  router.rpc(method.serverLive, () => ({ live: true }));
  router.rpc(method.serverReady, () => ({ ready: options.isReady() }));
  router.rpc(method.serverMetadata, () => ({
    name: KSERVE_SERVER_NAME,
    version: options.version,
    extensions: [],
  }));
}
