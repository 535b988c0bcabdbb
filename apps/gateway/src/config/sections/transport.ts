import { integer, port, portOrNone } from "../parsers.js";
import type { ConfigReader } from "../reader.js";

/** Ports and transport limits. */
export interface TransportSection {
  /** `MM_SVC_GRPC_PORT`: external port (gRPC, Connect, gRPC-Web). */
  readonly grpcPort: number;
  /** `MM_INTERNAL_GRPC_PORT`: port of the internal peer service. */
  readonly internalPort: number;
  /** `MM_PROBE_PORT`: `/live` and `/ready`; null when disabled with `NONE`. */
  readonly probePort: number | null;
  /** `MM_PRESTOP_WAIT_PORT`: `/prestop` for the runtime container's preStop hook. */
  readonly prestopPort: number | null;
  /** `MM_SVC_GRPC_MAX_MSG_SIZE`: largest request or runtime response message, bytes. */
  readonly maxMessageBytes: number;
  /** `MM_SVC_GRPC_MAX_HEADERS_SIZE`: largest request header list, bytes (1 KiB–64 KiB). */
  readonly maxHeaderBytes: number;
  /** `MM_SVC_GRPC_MAX_CONNECTION_AGE_SECS`: close client connections after this long (ms); null = never. */
  readonly maxConnectionAgeMs: number | null;
  /** `MM_SVC_GRPC_MAX_CONNECTION_AGE_GRACE_SECS`: time given to calls on an aged connection (ms). */
  readonly maxConnectionAgeGraceMs: number | null;
}

/** Reads port and limit options. */
export function readTransportSection(r: ConfigReader): TransportSection {
  const secondsToMs = (s: number | undefined) => (s === undefined ? null : s * 1000);
  return {
    grpcPort: r.read(
      {
        env: ["MM_SVC_GRPC_PORT", "TAS_SVC_GRPC_PORT"],
        flag: "port",
        description: "external gRPC/Connect port",
        default: 8033,
      },
      port,
    ),
    internalPort: r.read(
      {
        env: "MM_INTERNAL_GRPC_PORT",
        flag: "internal-port",
        description: "internal peer port",
        default: 8080,
      },
      port,
    ),
    probePort: r.read(
      {
        env: "MM_PROBE_PORT",
        flag: "probe-port",
        description: "/live and /ready port (NONE disables)",
        default: 8089,
      },
      portOrNone,
    ),
    prestopPort: r.read(
      {
        env: "MM_PRESTOP_WAIT_PORT",
        flag: "prestop-port",
        description: "/prestop port (NONE disables)",
        default: 8090,
      },
      portOrNone,
    ),
    maxMessageBytes: r.read(
      {
        env: "MM_SVC_GRPC_MAX_MSG_SIZE",
        flag: "max-msg-size",
        description: "max message size (bytes)",
        default: 16 * 1024 * 1024,
      },
      integer(1024, 2 ** 31 - 1),
    ),
    maxHeaderBytes: r.read(
      {
        env: "MM_SVC_GRPC_MAX_HEADERS_SIZE",
        flag: "max-headers-size",
        description: "max header size (bytes)",
        default: 8192,
      },
      // Larger header lists are reset by Node/nghttp2 itself (see the listener's header limit).
      integer(1024, 65_536),
    ),
    maxConnectionAgeMs: secondsToMs(
      r.read(
        {
          env: "MM_SVC_GRPC_MAX_CONNECTION_AGE_SECS",
          description: "max client connection age (s); unset = unlimited",
        },
        integer(1),
      ),
    ),
    maxConnectionAgeGraceMs: secondsToMs(
      r.read(
        {
          env: "MM_SVC_GRPC_MAX_CONNECTION_AGE_GRACE_SECS",
          description: "grace after max connection age (s)",
        },
        integer(0),
      ),
    ),
  };
}
