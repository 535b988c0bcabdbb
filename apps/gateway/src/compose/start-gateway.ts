import type { Server } from "node:http";
import type { Logger, MeshStore } from "@modelmesh/core";
import { connectRuntime, type RuntimeConnection } from "@modelmesh/runtime-client";
import { createModelMesh, type ModelMesh } from "@modelmesh/server";
import type { GatewayConfig } from "../config/config.js";
import { closeHttp, startPrestopServer, startProbeServer } from "../http-servers.js";
import { type DualProtocolServer, listenDualProtocol } from "../listeners/dual-protocol.js";
import { meshOptions } from "./mesh-options.js";
import { openMeshStore } from "./open-store.js";
import { createRequestHandler } from "./request-handler.js";
import { runtimeOptions } from "./runtime-options.js";

/** A running gateway: probes, store, runtime, mesh and the external listener. */
export interface Gateway {
  /** The external port actually listened on. */
  readonly port: number;
  /**
   * Graceful stop (§9.5): `/ready` turns 503, no new connections, in-flight calls drain until
   * `deadlineMs` (epoch ms), then the mesh, runtime and store close. Idempotent.
   */
  stop(deadlineMs: number): Promise<void>;
}

/** The parts started so far, so a failed start can close exactly those. */
interface Parts {
  probe?: Server;
  prestop?: Server;
  store?: MeshStore;
  runtime?: RuntimeConnection;
  mesh?: ModelMesh;
  listener?: DualProtocolServer;
}

/** Options for {@link startGateway}. */
export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Aborts a start in progress (e.g. SIGTERM while waiting for the runtime). */
  readonly signal?: AbortSignal;
}

async function closeParts(parts: Parts, deadlineMs: number, logger: Logger): Promise<void> {
  const remaining = () => Math.max(0, deadlineMs - Date.now());
  // Refuse new connections at once and let calls on open ones finish (GOAWAY), while the mesh
  // waits for its in-flight calls and gives up its copies.
  const listenerClosed = parts.listener?.close(remaining());
  await parts.mesh?.shutdown(deadlineMs).catch((error: unknown) => {
    logger.error({ err: error }, "mesh shutdown failed");
  });
  await listenerClosed;
  parts.runtime?.close();
  await parts.store?.close().catch((error: unknown) => {
    logger.warn({ err: error }, "closing the store failed");
  });
}

/**
 * Starts one `modelmesh` process from its frozen config (§9.1): probes first (`/live` 200,
 * `/ready` 503), then the store, the runtime handshake, the mesh, and finally the external
 * port. `/ready` answers 200 only once all of that is done. Rejects (after closing whatever was
 * started) when any step fails.
 */
export async function startGateway(options: StartGatewayOptions): Promise<Gateway> {
  const { config, logger } = options;
  const parts: Parts = {};
  let stopping: Promise<void> | undefined;
  let started = false;
  let resolveExiting: () => void = () => {};
  const exiting = new Promise<void>((resolve) => {
    resolveExiting = resolve;
  });
  const isReady = () => started && stopping === undefined && parts.mesh?.ready === true;
  try {
    if (config.transport.probePort !== null) {
      parts.probe = await startProbeServer({
        port: config.transport.probePort,
        isLive: () => true,
        isReady,
      });
    }
    if (config.transport.prestopPort !== null) {
      parts.prestop = await startPrestopServer({
        port: config.transport.prestopPort,
        exiting,
        maxWaitMs: 2 * config.behaviour.shutdownTimeoutMs,
      });
    }
    parts.store = await openMeshStore(config, logger);
    options.signal?.throwIfAborted();
    parts.runtime = await connectRuntime({
      ...runtimeOptions(config),
      logger: logger.child({ component: "runtime" }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    parts.mesh = createModelMesh(
      meshOptions(config, {
        store: parts.store,
        runtime: parts.runtime,
        // The mesh names its own component in its log lines.
        logger,
      }),
    );
    await parts.mesh.start();
    options.signal?.throwIfAborted();
    parts.listener = await listenDualProtocol({
      port: config.transport.grpcPort,
      handler: createRequestHandler({ mesh: parts.mesh, maxMessageBytes: config.transport.maxMessageBytes }),
      maxHeaderBytes: config.transport.maxHeaderBytes,
      maxConnectionAgeMs: config.transport.maxConnectionAgeMs,
      maxConnectionAgeGraceMs: config.transport.maxConnectionAgeGraceMs,
    });
  } catch (error) {
    await closeParts(parts, Date.now() + 2000, logger);
    await Promise.all([parts.probe, parts.prestop].map((s) => s && closeHttp(s)));
    throw error;
  }
  started = true;
  const port = parts.listener.port;
  logger.info(
    {
      port,
      probePort: config.transport.probePort,
      store: config.store.store.kind,
    },
    "modelmesh ready",
  );
  return {
    port,
    stop(deadlineMs) {
      stopping ??= (async () => {
        logger.info({ inFlight: parts.mesh?.inFlight ?? 0 }, "shutting down");
        await closeParts(parts, deadlineMs, logger);
        resolveExiting();
        await Promise.all([parts.probe, parts.prestop].map((s) => s && closeHttp(s)));
        logger.info({}, "shutdown complete");
      })();
      return stopping;
    },
  };
}
