import {
  DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS,
  DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS,
} from "@modelmesh/runtime-client";
import { integer, port, text } from "../parsers.js";
import type { ConfigReader, ValueParser } from "../reader.js";

/** A runtime endpoint: TCP on localhost or a Unix socket. */
export type RuntimeEndpoint =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "uds"; readonly path: string };

/** How to reach the co-located model runtime. */
export interface RuntimeSection {
  /** Management endpoint; "auto" tries TCP localhost:8085 and UDS /tmp/mmesh/grpc.sock. */
  readonly management: RuntimeEndpoint | "auto";
  /** Separate inference endpoint; absent = the management one. */
  readonly serving?: RuntimeEndpoint;
  /** `MM_RUNTIME_STARTUP_TIMEOUT_MS`: give up waiting for the runtime to be READY after this long. */
  readonly startupTimeoutMs: number;
  /** `MM_RUNTIME_POLL_INTERVAL_MS`: how often to ask the runtime for its status during startup. */
  readonly startupPollIntervalMs: number;
  /** `MM_RUNTIME_KEEPALIVE_INTERVAL_MS`: HTTP/2 PING interval on runtime connections, ms; 0 = none. */
  readonly keepAliveIntervalMs: number;
  /** `MM_RUNTIME_KEEPALIVE_TIMEOUT_MS`: how long a PING to the runtime may go unanswered, ms. */
  readonly keepAliveTimeoutMs: number;
  /**
   * `MM_RUNTIME_HEALTH_CHECK_INTERVAL_MS`: once started, how often to check that the runtime
   * answers (an HTTP/2 PING); `/ready` answers 503 while it does not.
   */
  readonly healthCheckIntervalMs: number;
}

function endpoint(
  r: ConfigReader,
  names: { port: string; socket: string; what: string },
): RuntimeEndpoint | undefined {
  const tcp = r.read({ env: names.port, description: `runtime ${names.what} TCP port on localhost` }, port);
  const uds = r.read({ env: names.socket, description: `runtime ${names.what} Unix socket path` }, text);
  if (tcp !== undefined && uds !== undefined) {
    r.fail(`${names.port} and ${names.socket} are mutually exclusive; set one`);
  }
  if (tcp !== undefined) return { kind: "tcp", host: "127.0.0.1", port: tcp };
  if (uds !== undefined) return { kind: "uds", path: uds };
  return undefined;
}

/** Reads the runtime endpoint options (§8.1 of the behaviour reference). */
export function readRuntimeSection(r: ConfigReader): RuntimeSection {
  const management = endpoint(r, {
    port: "INTERNAL_GRPC_PORT",
    socket: "INTERNAL_GRPC_SOCKET_PATH",
    what: "management",
  });
  const serving = endpoint(r, {
    port: "INTERNAL_SERVING_GRPC_PORT",
    socket: "INTERNAL_SERVING_GRPC_SOCKET_PATH",
    what: "inference",
  });
  return {
    management: management ?? "auto",
    ...(serving ? { serving } : {}),
    startupTimeoutMs: r.read(
      {
        env: "MM_RUNTIME_STARTUP_TIMEOUT_MS",
        description: "how long to wait for the runtime to be READY (ms)",
        default: 180_000,
      },
      integer(100),
    ),
    startupPollIntervalMs: r.read(
      {
        env: "MM_RUNTIME_POLL_INTERVAL_MS",
        description: "runtime status poll interval during startup (ms)",
        default: 2000,
      },
      integer(10),
    ),
    keepAliveIntervalMs: r.read(
      {
        env: "MM_RUNTIME_KEEPALIVE_INTERVAL_MS",
        description:
          "HTTP/2 PING interval on connections to the runtime (ms, 0 = none); a frozen runtime's calls fail within interval + timeout",
        default: DEFAULT_RUNTIME_KEEPALIVE_INTERVAL_MS,
      },
      keepAliveInterval,
    ),
    keepAliveTimeoutMs: r.read(
      {
        env: "MM_RUNTIME_KEEPALIVE_TIMEOUT_MS",
        description: "how long a PING to the runtime may go unanswered before its connection is closed (ms)",
        default: DEFAULT_RUNTIME_KEEPALIVE_TIMEOUT_MS,
      },
      integer(10, 600_000),
    ),
    healthCheckIntervalMs: r.read(
      {
        env: "MM_RUNTIME_HEALTH_CHECK_INTERVAL_MS",
        description:
          "once started, how often to check that the runtime answers an HTTP/2 PING (ms); /ready answers 503 while it does not",
        default: 5000,
      },
      integer(100),
    ),
  };
}

/** 0 (no PINGs) or 10 ms to 1 h: a shorter interval only adds traffic. */
function keepAliveInterval(raw: string): ReturnType<ValueParser<number>> {
  const value = integer(0, 3_600_000)(raw);
  if (value.ok && value.value > 0 && value.value < 10)
    return { ok: false, error: "must be 0 (none) or at least 10" };
  return value;
}
