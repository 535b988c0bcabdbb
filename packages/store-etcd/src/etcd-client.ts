import { rootCertificates } from "node:tls";
import { ConsecutiveBreaker, circuitBreaker, handleWhen, noop } from "cockatiel";
import {
  Etcd3,
  type IOptions,
  type IRangeRequest,
  type IRangeResponse,
  type ITxnRequest,
  type ITxnResponse,
  isRecoverableError,
} from "etcd3";
import type { EtcdConnectionConfig } from "./connection-config.js";

/** Default interval of keep-alive PINGs on etcd connections with calls open: 10 s. */
export const DEFAULT_KEEPALIVE_TIME_MS = 10_000;
/** Default wait for a PING's answer before the connection is given up: 5 s. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000;

/** Keep-alive PINGs of the client's connections. */
export interface EtcdKeepalive {
  /**
   * Interval of PINGs while a connection has calls or streams open (watches, lease keep-alives
   * always do). etcd answers PINGs more frequent than its `--grpc-keepalive-min-time` (5 s by
   * default) with GOAWAY, so keep it at or above that.
   */
  readonly timeMs: number;
  /** A PING unanswered this long closes the connection: its calls fail, the client reconnects. */
  readonly timeoutMs: number;
}

/**
 * Builds the etcd3 client. Its own global retry policy is replaced by none: a write whose outcome
 * is unknown must not be sent again blindly, so this adapter decides what to retry (reads and
 * watches). Each endpoint keeps a circuit breaker, so calls avoid a member that just failed three
 * times in a row (for 1 s), which is what lets writes move on quickly when a member dies.
 */
export function createEtcdClient(
  config: EtcdConnectionConfig,
  keepalive: EtcdKeepalive = { timeMs: DEFAULT_KEEPALIVE_TIME_MS, timeoutMs: DEFAULT_KEEPALIVE_TIMEOUT_MS },
): AdapterEtcd3 {
  const options: IOptions = {
    hosts: [...config.endpoints],
    grpcOptions: {
      // Large tables are read in pages, but one value may be up to etcd's request limit.
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      // Notice a dead or frozen member (a partition, a stopped process: its kernel still accepts
      // bytes) within time + timeout while calls or streams are open, so they fail and the client
      // reconnects, instead of waiting on the connection until their deadlines.
      "grpc.keepalive_time_ms": keepalive.timeMs,
      "grpc.keepalive_timeout_ms": keepalive.timeoutMs,
      // Reconnect soon after etcd comes back instead of backing off for up to 2 minutes.
      "grpc.initial_reconnect_backoff_ms": 100,
      "grpc.max_reconnect_backoff_ms": 1_000,
      // Keep connection state (and its backoff) separate from other gRPC clients of the process.
      "grpc.use_local_subchannel_pool": 1,
      ...(config.tls?.overrideAuthority === undefined
        ? {}
        : {
            "grpc.ssl_target_name_override": config.tls.overrideAuthority,
            "grpc.default_authority": config.tls.overrideAuthority,
          }),
    },
    faultHandling: {
      global: noop,
      host: () =>
        circuitBreaker(handleWhen(isRecoverableError), {
          halfOpenAfter: 1_000,
          breaker: new ConsecutiveBreaker(3),
        }),
    },
    ...(config.auth === undefined
      ? {}
      : { auth: { username: config.auth.username, password: config.auth.password } }),
    ...(config.tls === undefined ? {} : { credentials: credentialsOf(config.tls) }),
  };
  return new AdapterEtcd3(options);
}

/** The part of a gRPC client the raw range read uses (grpc-js `Client.makeUnaryRequest`). */
export interface UnaryCaller {
  makeUnaryRequest<Request, Response>(
    method: string,
    serialize: (value: Request) => Buffer,
    deserialize: (value: Buffer) => Response,
    argument: Request,
    metadata: object,
    options: { deadline: number },
    callback: (error: Error | null, value?: Response) => void,
  ): unknown;
}

/** A grpc-js unary method of a generated service client, in callback form. */
export type UnaryMethod<Request, Response> = (
  request: Request,
  metadata: object,
  options: { deadline: number },
  callback: (error: Error | null, value?: Response) => void,
) => unknown;

/** One member's `etcdserverpb.KV` client, as the etcd3 pool creates it (grpc-js generated). */
export interface KvServiceClient extends UnaryCaller {
  readonly range: UnaryMethod<IRangeRequest, IRangeResponse>;
  readonly txn: UnaryMethod<ITxnRequest, ITxnResponse>;
}

/** The part of the etcd3 connection pool the raw calls use. */
export interface EtcdConnections {
  /**
   * Runs `call` against one member's service client with the call metadata (auth token), through
   * the pool's host selection and circuit breakers, as the client's own calls do: several calls
   * made in one `call` go to the same member over the same channel.
   */
  withConnection<T>(
    service: "KV",
    call: (connection: { client: KvServiceClient; metadata: object }) => Promise<T>,
  ): Promise<T>;
}

/** The etcd3 client with its connection pool reachable, for calls the client has no form for. */
export class AdapterEtcd3 extends Etcd3 {
  /**
   * The client's connection pool. Its `KV` service clients are the grpc-js clients generated
   * from etcd's `rpc.proto` (the pool's own calls invoke `range` and `txn` on them by name), so
   * the narrower type here only names methods they have.
   */
  get connections(): EtcdConnections {
    return this.pool as unknown as EtcdConnections;
  }
}

function credentialsOf(tls: NonNullable<EtcdConnectionConfig["tls"]>): NonNullable<IOptions["credentials"]> {
  return {
    // Without a configured CA, trust the same CAs as Node's TLS.
    rootCertificate: Buffer.from(tls.caPem ?? rootCertificates.join("\n")),
    ...(tls.clientKeyPem === undefined ? {} : { privateKey: Buffer.from(tls.clientKeyPem) }),
    ...(tls.clientCertPem === undefined ? {} : { certChain: Buffer.from(tls.clientCertPem) }),
  };
}
