import type { ConnectRuntimeOptions } from "@modelmesh/runtime-client";
import type { GatewayConfig } from "../config/config.js";
import type { RuntimeEndpoint } from "../config/sections/runtime.js";

function management(endpoint: RuntimeEndpoint | "auto"): Partial<ConnectRuntimeOptions> {
  if (endpoint === "auto") return {};
  return endpoint.kind === "tcp"
    ? { port: endpoint.port, host: endpoint.host }
    : { socketPath: endpoint.path };
}

function serving(endpoint: RuntimeEndpoint | undefined): Partial<ConnectRuntimeOptions> {
  if (endpoint === undefined) return {};
  return endpoint.kind === "tcp"
    ? { servingPort: endpoint.port, host: endpoint.host }
    : { servingSocketPath: endpoint.path };
}

/** Maps the runtime section of the config to `connectRuntime` options (§8.1, §8.2). */
export function runtimeOptions(config: GatewayConfig): ConnectRuntimeOptions {
  const { runtime, transport } = config;
  return {
    ...management(runtime.management),
    ...serving(runtime.serving),
    startupTimeoutMs: runtime.startupTimeoutMs,
    startupPollIntervalMs: runtime.startupPollIntervalMs,
    keepAliveIntervalMs: runtime.keepAliveIntervalMs,
    keepAliveTimeoutMs: runtime.keepAliveTimeoutMs,
    healthCheckIntervalMs: runtime.healthCheckIntervalMs,
    maxMessageBytes: transport.maxMessageBytes,
    servingWindowBytes: config.streamLimits.windowBytes,
  };
}
