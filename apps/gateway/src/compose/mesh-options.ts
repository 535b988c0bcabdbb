import type { Logger, MeshStore } from "@modelmesh/core";
import type { RuntimeConnection } from "@modelmesh/runtime-client";
import type { ModelMeshOptions, PeerTls } from "@modelmesh/server";
import type { GatewayConfig } from "../config/config.js";
import type { LogLevel } from "../config/sections/behaviour.js";
import { defaultDataplaneConfig } from "../config/sections/dataplane.js";
import type { LiveLogLevel } from "../logging.js";

/** Builds the options of `createModelMesh` from the frozen config and the connected ports. */
export function meshOptions(
  config: GatewayConfig,
  ports: {
    store: MeshStore;
    runtime: RuntimeConnection;
    logger: Logger;
    logLevel?: LiveLogLevel;
    peerTls?: PeerTls;
  },
): ModelMeshOptions {
  const { identity, transport, timings, behaviour, typeConstraints } = config;
  const { staticModels } = config.staticRegistration;
  return {
    store: ports.store,
    runtime: ports.runtime,
    logger: ports.logger,
    identity: {
      instanceId: identity.instanceId,
      location: identity.location,
      grpcPort: transport.grpcPort,
      internalPort: transport.internalPort,
      labels: identity.labels,
      ...(identity.zone === undefined ? {} : { zone: identity.zone }),
      ...(identity.serviceVersion === undefined ? {} : { serviceVersion: identity.serviceVersion }),
    },
    timings: {
      janitorIntervalMs: timings.janitorIntervalMs,
      rateCheckIntervalMs: timings.rateCheckIntervalMs,
      instancePublishIntervalMs: timings.instancePublishIntervalMs,
      instancePublishMinIntervalMs: timings.instancePublishMinIntervalMs,
      loadFailureExpiryMs: behaviour.loadFailureExpiryMs,
      reaperIntervalMs: timings.reaperIntervalMs,
      assumeInstanceGoneAfterMs: timings.assumeInstanceGoneAfterMs,
      minSecondCopyAgeMs: timings.minSecondCopyAgeMs,
      maxSecondCopyAgeMs: timings.maxSecondCopyAgeMs,
      ...(timings.minChurnAgeMs === undefined ? {} : { minChurnAgeMs: timings.minChurnAgeMs }),
      storeCallTimeoutMs: config.store.requestTimeoutMs,
    },
    maxMessageBytes: transport.maxMessageBytes,
    peerConnectionLimits: config.connectionLimits,
    ...(ports.peerTls === undefined ? {} : { peerTls: ports.peerTls }),
    streamLimits: {
      requestBodyTimeoutMs: config.streamLimits.requestBodyTimeoutMs,
      stallTimeoutMs: config.streamLimits.stallTimeoutMs,
      responseWindowBytes: config.streamLimits.windowBytes,
    },
    multiModelParallelism: behaviour.multiParallelism,
    logEachInvoke: behaviour.logEachInvocation,
    ...(config.store.readOnly ? { readOnly: true } : {}),
    maxInFlightPerCopy: behaviour.maxInflightPerCopy,
    ...(Object.keys(behaviour.logRequestHeaders).length === 0
      ? {}
      : { logRequestHeaders: behaviour.logRequestHeaders }),
    // Without MM_DATAPLANE_CONFIG(_PATH) every method is allowed and ids come from headers: the
    // mesh's own default, so the hit path skips the per-method lookup.
    ...(config.dataplane === defaultDataplaneConfig ? {} : { dataplane: config.dataplane }),
    scaleUpRpmThreshold: behaviour.scaleUpRpmThreshold,
    ...(config.payloadProcessors.processors.length === 0
      ? {}
      : {
          payloadProcessing: {
            processors: config.payloadProcessors.processors,
            capacity: config.payloadProcessors.capacity,
            workers: config.payloadProcessors.workers,
          },
        }),
    ...(ports.logLevel === undefined
      ? {}
      : { setLogLevel: (level: LogLevel | undefined) => ports.logLevel?.set(level) }),
    ...(behaviour.defaultVModelOwner === "" ? {} : { defaultVModelOwner: behaviour.defaultVModelOwner }),
    bootstrapClearance: {
      periodMs: behaviour.bootstrapClearanceMs,
      enabled: behaviour.failFastUpgradeEnabled,
    },
    ...(typeConstraints.kind === "inline" ? { typeConstraints: typeConstraints.constraints } : {}),
    ...(typeConstraints.kind === "file" ? { typeConstraintsPath: typeConstraints.path } : {}),
    ...(staticModels.length === 0 ? {} : { staticModels }),
  };
}
