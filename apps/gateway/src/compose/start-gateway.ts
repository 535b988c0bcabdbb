import type { Server } from "node:http";
import type { Logger, MeshStore } from "@modelmesh/core";
import { connectRuntime, type RuntimeConnection } from "@modelmesh/runtime-client";
import { createModelMesh, type ModelMesh } from "@modelmesh/server";
import type { GatewayConfig } from "../config/config.js";
import { ReadinessMonitor } from "../health/readiness-monitor.js";
import { closeHttp, startPrestopServer, startProbeServer } from "../http-servers.js";
import { type DualProtocolServer, listenDualProtocol } from "../listeners/dual-protocol.js";
import type { LiveLogLevel } from "../logging.js";
import { type RunningMetrics, startMetrics } from "../metrics/start-metrics.js";
import { type StartedTls, startTls } from "../tls/start-tls.js";
import { type GatewayTracing, startTracing } from "../tracing/start-tracing.js";
import { meshOptions } from "./mesh-options.js";
import { openMeshStore } from "./open-store.js";
import { createRequestHandler } from "./request-handler.js";
import { runtimeOptions } from "./runtime-options.js";
import { watchDataplaneFile } from "./watch-dataplane.js";

/** A running gateway: probes, store, runtime, mesh and the external listener. */
export interface Gateway {
  /** The external port actually listened on. */
  readonly port: number;
  /**
   * Graceful stop (§9.5): `/ready` turns 503 and the mesh moves its copies elsewhere while still
   * serving; then no new connections, in-flight calls finish until `deadlineMs` (epoch ms), and
   * the mesh, runtime and store close. Idempotent.
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
  /** The `MM_METRICS` backend. */
  metrics?: RunningMetrics;
  /** Readiness for gRPC health `Watch` streams, which end when the listener closes. */
  health?: ReadinessMonitor;
  /** The OpenTelemetry SDK, when `OTEL_TRACES_EXPORTER` asks for it. */
  tracing?: GatewayTracing;
  /** Stops watching `MM_DATAPLANE_CONFIG_PATH`. */
  unwatchDataplane?: () => void;
  /** TLS material of both ports, following its files. */
  tls?: StartedTls;
}

/** Options for {@link startGateway}. */
export interface StartGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** The process's log level, changed live by the store's `config/logger_level`. */
  readonly logLevel?: LiveLogLevel;
  /** Aborts a start in progress (e.g. SIGTERM while waiting for the runtime). */
  readonly signal?: AbortSignal;
}

/** How long the external port lingers after readiness turned 503, at most (ms, from `stop`). */
interface Linger {
  readonly untilMs: number;
}

async function closeParts(
  parts: Parts,
  deadlineMs: number,
  logger: Logger,
  linger: Linger = { untilMs: 0 },
): Promise<void> {
  const remaining = () => Math.max(0, deadlineMs - Date.now());
  parts.unwatchDataplane?.();
  // The mesh first moves its copies to other instances while this port keeps serving (clients
  // see `/ready` 503 and move on); then new connections are refused and open ones get GOAWAY,
  // their calls finish, and the mesh gives up what is left.
  await parts.mesh?.drain(deadlineMs).catch((error: unknown) => {
    logger.error({ err: error }, "moving copies to other instances failed");
  });
  // Clients still connected may not have seen `/ready` turn 503 yet (a load balancer's endpoint
  // list lags): keep serving them for the readiness grace before refusing connections.
  const lingerMs = Math.min(linger.untilMs, deadlineMs) - Date.now();
  if (lingerMs > 0 && (parts.listener?.openConnections ?? 0) > 0) {
    await new Promise((resolve) => setTimeout(resolve, lingerMs));
  }
  // Health `Watch` streams never end on their own; they have seen NOT_SERVING by now.
  parts.health?.close();
  await parts.listener?.close(remaining());
  await parts.mesh?.shutdown(deadlineMs).catch((error: unknown) => {
    logger.error({ err: error }, "mesh shutdown failed");
  });
  parts.runtime?.close();
  parts.tls?.close();
  await parts.metrics?.close().catch(() => undefined);
  await parts.tracing?.shutdown();
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
  // Ready only while the instance can do its work: started and not stopping, the mesh ready, the
  // runtime answering READY, and the store taking writes (the embedded store refuses them after
  // a write failed, e.g. a full disk, until one succeeds again). Liveness stays true meanwhile:
  // a restart would not bring the runtime or the disk back.
  const isReady = () =>
    started &&
    stopping === undefined &&
    parts.mesh?.ready === true &&
    parts.runtime?.ready === true &&
    parts.store?.kv.writeFailure?.() === undefined;
  // The probe and pre-stop ports: headers within the handshake timeout, a small connection cap.
  const smallPortLimits = { headersTimeoutMs: config.connectionLimits.handshakeTimeoutMs, logger };
  try {
    if (config.transport.probePort !== null) {
      parts.probe = await startProbeServer({
        port: config.transport.probePort,
        isLive: () => true,
        isReady,
        limits: smallPortLimits,
      });
    }
    if (config.transport.prestopPort !== null) {
      parts.prestop = await startPrestopServer({
        port: config.transport.prestopPort,
        exiting,
        maxWaitMs: 2 * config.behaviour.shutdownTimeoutMs,
        limits: smallPortLimits,
      });
    }
    const tls = startTls(config.tls, logger);
    if (tls !== undefined) parts.tls = tls;
    const metrics = await startMetrics(config.metrics, logger).catch((error: unknown) => {
      // As the original: metrics that cannot start are disabled; the instance still serves.
      logger.error({ reason: String(error) }, "could not start metrics; they are disabled");
      return undefined;
    });
    if (metrics !== undefined) parts.metrics = metrics;
    parts.store = await openMeshStore(config, logger);
    options.signal?.throwIfAborted();
    parts.runtime = await connectRuntime({
      ...runtimeOptions(config),
      logger: logger.child({ component: "runtime" }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const tracing = await startTracing(config.tracing, {
      logger,
      instanceId: config.identity.instanceId,
      ...(config.identity.serviceVersion === undefined ? {} : { version: config.identity.serviceVersion }),
    });
    if (tracing !== undefined) parts.tracing = tracing;
    parts.mesh = createModelMesh({
      ...meshOptions(config, {
        store: parts.store,
        runtime: parts.runtime,
        // The mesh names its own component in its log lines.
        logger,
        ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }),
        ...(parts.tls?.peer === undefined ? {} : { peerTls: parts.tls.peer }),
      }),
      ...(parts.metrics === undefined ? {} : { metrics: parts.metrics.metrics }),
      ...(tracing === undefined ? {} : { tracer: tracing.tracer }),
    });
    await parts.mesh.start();
    if (config.dataplanePath !== undefined) {
      parts.unwatchDataplane = watchDataplaneFile({
        path: config.dataplanePath,
        initial: config.dataplane,
        mesh: parts.mesh,
        logger,
      });
    }
    options.signal?.throwIfAborted();
    parts.health = new ReadinessMonitor({ isReady });
    parts.listener = await listenDualProtocol({
      port: config.transport.grpcPort,
      handler: createRequestHandler({
        mesh: parts.mesh,
        maxMessageBytes: config.transport.maxMessageBytes,
        // KServe V2 `ServerReady` gives the same answer as the `/ready` probe.
        isReady,
        health: parts.health,
      }),
      maxHeaderBytes: config.transport.maxHeaderBytes,
      maxConnectionAgeMs: config.transport.maxConnectionAgeMs,
      maxConnectionAgeGraceMs: config.transport.maxConnectionAgeGraceMs,
      limits: config.connectionLimits,
      logger,
      ...(parts.tls === undefined ? {} : { tls: parts.tls.serving }),
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
      tls: config.tls.serving?.clientAuth ?? "off",
      peerTls: config.tls.peer === null ? "off" : config.tls.peer.clientAuth ? "mtls" : "tls",
    },
    "modelmesh ready",
  );
  return {
    port,
    stop(deadlineMs) {
      stopping ??= (async () => {
        logger.info({ inFlight: parts.mesh?.inFlight ?? 0 }, "shutting down");
        const untilMs = Date.now() + config.behaviour.shutdownReadinessGraceMs;
        await closeParts(parts, deadlineMs, logger, { untilMs });
        resolveExiting();
        await Promise.all([parts.probe, parts.prestop].map((s) => s && closeHttp(s)));
        logger.info({}, "shutdown complete");
      })();
      // `stopping` is set only now: health watchers see NOT_SERVING at once.
      parts.health?.refresh();
      return stopping;
    },
  };
}
