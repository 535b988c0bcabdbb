import { type Logger, noopLogger } from "@modelmesh/core";
import {
  describeEndpoint,
  type RuntimeEndpoint,
  type RuntimeEndpointOptions,
  resolveRuntimeEndpoints,
  sameEndpoint,
} from "./endpoints.js";
import { GrpcForwarder } from "./forwarder/grpc-forwarder.js";
import { http2TargetFor } from "./forwarder/session-pool.js";
import { awaitRuntimeReady } from "./handshake.js";
import { RuntimeManagementClient } from "./management-client.js";
import { RuntimeModelManager } from "./model-manager.js";
import type { RuntimeParameters } from "./parameters.js";
import { translateRuntimeError } from "./runtime-errors.js";
import { RuntimeHealth } from "./runtime-health.js";
import type { UnloadRetryOptions } from "./unload-retry-queue.js";

/** Options for {@link connectRuntime}: plain values (the gateway reads env vars and flags). */
export interface ConnectRuntimeOptions extends RuntimeEndpointOptions {
  /** Startup handshake limit, ms. Default 180 000 (§8.2). */
  readonly startupTimeoutMs?: number;
  /** Pause between handshake polls, ms. Default 2000 (§8.2). */
  readonly startupPollIntervalMs?: number;
  /** `MM_SVC_GRPC_MAX_MSG_SIZE`: largest runtime response message, bytes. Default 16 MiB (§11). */
  readonly maxMessageBytes?: number;
  /** HTTP/2 sessions to the serving endpoint. Default 1. */
  readonly servingSessions?: number;
  /**
   * HTTP/2 PING interval on every connection to the runtime (management and inference), ms; 0
   * sends none. Default {@link DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS}. A runtime that stops
   * answering PINGs (a frozen process) has its connection closed, so calls on it fail with
   * UNAVAILABLE within interval + timeout instead of waiting for their deadlines (or forever).
   */
  readonly keepAliveIntervalMs?: number;
  /** How long a PING may go unanswered, ms. Default {@link DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS}. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Once connected, check this often (ms) that the runtime answers (an HTTP/2 PING on the
   * management connection), so {@link RuntimeConnection.ready} turns false while it is gone
   * (killed, refusing connections, frozen). Default 5000.
   */
  readonly healthCheckIntervalMs?: number;
  /**
   * HTTP/2 receive window per call and per connection to the serving endpoint, bytes: the most
   * response bytes one call buffers while its reader does not take them. Default 8 MiB.
   */
  readonly servingWindowBytes?: number;
  /** Unload retries (§6.7): 90 retries on a 10 s period by default. */
  readonly unloadRetry?: UnloadRetryOptions;
  /** Aborts the startup handshake. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** Default {@link ConnectRuntimeOptions.keepAliveIntervalMs}: as on connections to peers. */
export const DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS = 10_000;

/**
 * Default {@link ConnectRuntimeOptions.keepAliveTimeoutMs}: a runtime on the same host answers a
 * PING in well under a millisecond; 5 s leaves room for a busy machine.
 */
export const DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS = 5000;

/** A runtime that answered READY: its parameters, management operations and data-plane forwarder. */
export interface RuntimeConnection {
  /** Checked parameters from runtimeStatus (§8.3). */
  readonly parameters: RuntimeParameters;
  /** The endpoint that answered READY (management). */
  readonly managementEndpoint: RuntimeEndpoint;
  /** Where inference goes: the separate serving endpoint, else the management one. */
  readonly servingEndpoint: RuntimeEndpoint;
  /** load / unload / size, reference-counted with unload retries (§6.7, §8.4). */
  readonly models: RuntimeModelManager;
  /** Byte pass-through to the serving endpoint, with the runtime's error translation (§2.6.5). */
  readonly forwarder: GrpcForwarder;
  /**
   * False while the periodic check finds the runtime gone (killed, refusing connections, not
   * answering a PING in time); true again once it answers.
   */
  readonly ready: boolean;
  /** Stops retries and status checks and closes every connection. */
  close(): void;
}

/**
 * Connects to the co-located runtime (§8): picks the endpoints (§8.1), runs the startup handshake
 * until a candidate answers READY with valid parameters (§8.2, all violations reported in one
 * MeshError), closes the other candidates, and returns the connection.
 */
export async function connectRuntime(options: ConnectRuntimeOptions = {}): Promise<RuntimeConnection> {
  const logger = options.logger ?? noopLogger;
  const { candidates, serving } = resolveRuntimeEndpoints(options);
  logger.info({ candidates: candidates.map(describeEndpoint) }, "connecting to the model runtime");
  const keepAlive = {
    keepAliveIntervalMs: options.keepAliveIntervalMs ?? DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS,
  };
  const clients = candidates.map((endpoint) => new RuntimeManagementClient(endpoint, keepAlive));
  const ready = await awaitRuntimeReady(clients, {
    ...(options.startupTimeoutMs === undefined ? {} : { timeoutMs: options.startupTimeoutMs }),
    ...(options.startupPollIntervalMs === undefined ? {} : { pollIntervalMs: options.startupPollIntervalMs }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    logger,
  }).catch((error: unknown) => {
    for (const client of clients) client.close();
    throw error;
  });
  // The other candidates are not needed any more (§8.2).
  for (const other of clients) if (other !== ready.client) other.close();
  const { client, parameters } = ready;
  const servingEndpoint = serving ?? client.endpoint;
  logger.info(
    {
      endpoint: describeEndpoint(client.endpoint),
      serving: describeEndpoint(servingEndpoint),
      ...parameters,
    },
    "model runtime ready",
  );
  const models = new RuntimeModelManager(client, {
    separateServing: !sameEndpoint(servingEndpoint, client.endpoint),
    ...(options.unloadRetry === undefined ? {} : { unloadRetry: options.unloadRetry }),
    logger,
  });
  const forwarder = new GrpcForwarder(http2TargetFor(servingEndpoint), {
    ...keepAlive,
    translateError: translateRuntimeError,
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
    ...(options.servingSessions === undefined ? {} : { size: options.servingSessions }),
    ...(options.servingWindowBytes === undefined ? {} : { windowBytes: options.servingWindowBytes }),
  });
  const health = new RuntimeHealth({
    // A PING, never runtimeStatus: runtimes answer that by forgetting every model they hold.
    probe: (timeoutMs) => client.ping(timeoutMs),
    ...(options.healthCheckIntervalMs === undefined ? {} : { intervalMs: options.healthCheckIntervalMs }),
    logger,
  });
  health.start();
  return {
    parameters,
    managementEndpoint: client.endpoint,
    servingEndpoint,
    models,
    forwarder,
    get ready() {
      return health.ready;
    },
    close() {
      health.close();
      models.close();
      forwarder.close();
      client.close();
    },
  };
}
