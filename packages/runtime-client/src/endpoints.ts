import { MeshError } from "@modelmesh/core";

/** Where a runtime listens: a TCP port on a host, or a Unix domain socket. */
export type RuntimeEndpoint =
  | { readonly t: "tcp"; readonly host: string; readonly port: number }
  | { readonly t: "uds"; readonly path: string };

/** The original's defaults (§8.1). */
export const DEFAULT_RUNTIME_PORT = 8085;
export const DEFAULT_RUNTIME_SOCKET_PATH = "/tmp/mmesh/grpc.sock";

/** Runtime endpoint settings, as the gateway reads them from the environment (§8.1). */
export interface RuntimeEndpointOptions {
  /** `INTERNAL_GRPC_PORT`: management (and default serving) port on `host`. */
  readonly port?: number;
  /** `INTERNAL_GRPC_SOCKET_PATH`: management over a Unix socket. Exclusive with `port`. */
  readonly socketPath?: string;
  /** `INTERNAL_SERVING_GRPC_PORT`: a separate port for inference. */
  readonly servingPort?: number;
  /** `INTERNAL_SERVING_GRPC_SOCKET_PATH`: a separate socket for inference. Exclusive with `servingPort`. */
  readonly servingSocketPath?: string;
  /** Host of TCP endpoints. Default "localhost" (a sidecar). */
  readonly host?: string;
  /** Port tried when neither `port` nor `socketPath` is given. Default 8085. */
  readonly defaultPort?: number;
  /** Socket tried when neither is given. Default `/tmp/mmesh/grpc.sock`. */
  readonly defaultSocketPath?: string;
}

/** The management candidates to try, in order, and the serving endpoint when it is separate. */
export interface ResolvedEndpoints {
  readonly candidates: readonly RuntimeEndpoint[];
  readonly serving?: RuntimeEndpoint;
}

/** `localhost:8085` or `unix:/tmp/mmesh/grpc.sock`, for messages. */
export function describeEndpoint(endpoint: RuntimeEndpoint): string {
  return endpoint.t === "tcp" ? `${endpoint.host}:${endpoint.port}` : `unix:${endpoint.path}`;
}

/** True when both name the same place. */
export function sameEndpoint(a: RuntimeEndpoint, b: RuntimeEndpoint): boolean {
  return describeEndpoint(a) === describeEndpoint(b);
}

function checkPort(name: string, port: number | undefined, errors: string[]): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    errors.push(`${name} must be a port number 1..65535, got ${port}`);
  }
}

/**
 * Chooses the endpoints per §8.1: the configured port or socket (not both); with neither, both
 * defaults, socket first (whichever answers READY first wins); a separate serving endpoint when
 * configured. Throws `INVALID_ARGUMENT` listing every problem.
 */
export function resolveRuntimeEndpoints(options: RuntimeEndpointOptions): ResolvedEndpoints {
  const errors: string[] = [];
  const host = options.host ?? "localhost";
  if (options.port !== undefined && options.socketPath !== undefined) {
    errors.push("give at most one of INTERNAL_GRPC_PORT and INTERNAL_GRPC_SOCKET_PATH");
  }
  if (options.servingPort !== undefined && options.servingSocketPath !== undefined) {
    errors.push("give at most one of INTERNAL_SERVING_GRPC_PORT and INTERNAL_SERVING_GRPC_SOCKET_PATH");
  }
  checkPort("INTERNAL_GRPC_PORT", options.port, errors);
  checkPort("INTERNAL_SERVING_GRPC_PORT", options.servingPort, errors);
  for (const [name, path] of [
    ["INTERNAL_GRPC_SOCKET_PATH", options.socketPath],
    ["INTERNAL_SERVING_GRPC_SOCKET_PATH", options.servingSocketPath],
  ] as const) {
    if (path !== undefined && path.trim() === "") errors.push(`${name} must not be empty`);
  }
  if (errors.length > 0)
    throw new MeshError("INVALID_ARGUMENT", `invalid runtime endpoint settings: ${errors.join("; ")}`);

  const tcp = (port: number): RuntimeEndpoint => ({ t: "tcp", host, port });
  const uds = (path: string): RuntimeEndpoint => ({ t: "uds", path });
  const candidates =
    options.socketPath !== undefined
      ? [uds(options.socketPath)]
      : options.port !== undefined
        ? [tcp(options.port)]
        : [
            uds(options.defaultSocketPath ?? DEFAULT_RUNTIME_SOCKET_PATH),
            tcp(options.defaultPort ?? DEFAULT_RUNTIME_PORT),
          ];
  const serving =
    options.servingSocketPath !== undefined
      ? uds(options.servingSocketPath)
      : options.servingPort !== undefined
        ? tcp(options.servingPort)
        : undefined;
  return serving === undefined ? { candidates } : { candidates, serving };
}
