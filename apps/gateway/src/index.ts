/**
 * @modelmesh/gateway: the `modelmesh` executable as a library — configuration, composition of
 * store, runtime and mesh, the external listener, probes and graceful shutdown.
 */

export type { Gateway, StartGatewayOptions } from "./compose/start-gateway.js";
export { startGateway } from "./compose/start-gateway.js";
export type { GatewayConfig, LoadConfigResult } from "./config/config.js";
export { formatHelp, loadConfig } from "./config/config.js";
export type { ProcessPort } from "./run-gateway.js";
export { ExitCode, runGateway } from "./run-gateway.js";
