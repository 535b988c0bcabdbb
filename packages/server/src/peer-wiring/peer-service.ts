import type { ConnectionLimits } from "../connections/connection-limits.js";
import type { StreamLimits } from "../inference/stream-limits.js";
import type { MeshContext } from "../mesh-context.js";
import type { DataplaneConfig } from "../model-mesh.js";
import { listenPeerServer, type PeerServer } from "../peer/peer-server.js";
import type { PeerTls } from "../peer/peer-tls.js";
import type { RoutingView } from "../routing/routing-view.js";
import { MeshPeerHandler } from "./peer-handler.js";
import { PeerLink } from "./peer-link.js";

/** The bounds of the peer port: per call, and per connection (default `DEFAULT_CONNECTION_LIMITS`). */
export interface PeerServiceLimits {
  readonly stream: StreamLimits;
  readonly connection?: ConnectionLimits;
  /** TLS of the peer port and of connections to peers; absent = plaintext. */
  readonly tls?: PeerTls;
}

/** How long open peer connections may finish their calls once the server stops accepting, ms. */
const CLOSE_GRACE_MS = 1000;

/**
 * The peer protocol wired into one mesh instance: the sending side ({@link PeerLink}, used by
 * routing) and the internal port's server with the mesh's {@link MeshPeerHandler}.
 */
export class PeerService {
  readonly link: PeerLink;
  readonly #ctx: MeshContext;
  readonly #maxMessageBytes: number;
  readonly #limits: PeerServiceLimits;
  #handler: MeshPeerHandler | undefined;
  #server: PeerServer | undefined;

  constructor(ctx: MeshContext, maxMessageBytes: number, limits: PeerServiceLimits) {
    this.#ctx = ctx;
    this.#maxMessageBytes = maxMessageBytes;
    this.#limits = limits;
    this.link = new PeerLink(ctx, maxMessageBytes, {
      windowBytes: limits.stream.responseWindowBytes,
      ...(limits.tls === undefined ? {} : { tls: limits.tls }),
    });
  }

  /** The bound internal port, once listening. */
  get port(): number | undefined {
    return this.#server?.port;
  }

  /**
   * Starts serving peers on the identity's internal port; calls are refused until `started()`.
   * `dataplane` is the current dataplane config, whose method allow-list forwarded calls obey.
   */
  async listen(
    view: RoutingView,
    started: () => boolean,
    dataplane?: () => DataplaneConfig | undefined,
  ): Promise<void> {
    if (this.#server !== undefined) return;
    const ctx = this.#ctx;
    const streamLimits = this.#limits.stream;
    const connectionLimits = this.#limits.connection;
    this.#handler = new MeshPeerHandler({
      ctx,
      view,
      maxMessageBytes: this.#maxMessageBytes,
      streamLimits,
      started,
      ...(dataplane === undefined ? {} : { dataplane }),
    });
    this.#server = await listenPeerServer({
      handler: this.#handler,
      instanceId: ctx.selfId,
      stallTimeoutMs: streamLimits.stallTimeoutMs,
      port: ctx.identity.internalPort,
      logger: ctx.logger,
      ...(connectionLimits === undefined ? {} : { limits: connectionLimits }),
      ...(this.#limits.tls === undefined ? {} : { tls: this.#limits.tls }),
    });
    const tls = this.#limits.tls === undefined ? "off" : this.#limits.tls.clientAuth ? "mtls" : "tls";
    ctx.logger.info({ port: this.#server.port, tls }, "peer service listening");
  }

  /** Resolves once no peer call is being served here, or at `deadlineMs` (epoch ms). */
  async idle(deadlineMs: number): Promise<void> {
    const handler = this.#handler;
    if (handler === undefined || handler.inFlight === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now()));
    });
    await Promise.race([handler.idle(), expired]);
    clearTimeout(timer);
  }

  /**
   * Waits (until `deadlineMs`) for the peer calls being served to finish, then closes the
   * internal port and every connection to peers.
   */
  async close(deadlineMs: number): Promise<void> {
    await this.idle(deadlineMs);
    await this.#server?.close(CLOSE_GRACE_MS);
    this.link.close();
  }
}

/**
 * The peer service of an instance with an internal port (`MM_INTERNAL_GRPC_PORT`); undefined for
 * internal port 0, a single instance that neither serves nor calls peers.
 */
export function createPeerService(
  ctx: MeshContext,
  maxMessageBytes: number,
  limits: PeerServiceLimits,
): PeerService | undefined {
  return ctx.identity.internalPort > 0 ? new PeerService(ctx, maxMessageBytes, limits) : undefined;
}
