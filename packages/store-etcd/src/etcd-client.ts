import { rootCertificates } from "node:tls";
import { ConsecutiveBreaker, circuitBreaker, handleWhen, noop } from "cockatiel";
import { Etcd3, type IOptions, isRecoverableError } from "etcd3";
import type { EtcdConnectionConfig } from "./connection-config.js";

/**
 * Builds the etcd3 client. Its own global retry policy is replaced by none: a write whose outcome
 * is unknown must not be sent again blindly, so this adapter decides what to retry (reads and
 * watches). Each endpoint keeps a circuit breaker, so calls avoid a member that just failed three
 * times in a row (for 1 s), which is what lets writes move on quickly when a member dies.
 */
export function createEtcdClient(config: EtcdConnectionConfig): Etcd3 {
  const options: IOptions = {
    hosts: [...config.endpoints],
    grpcOptions: {
      // Large tables are read in pages, but one value may be up to etcd's request limit.
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      // Notice a silently dead connection (a partition) within ~15 s even when idle streams are open.
      "grpc.keepalive_time_ms": 10_000,
      "grpc.keepalive_timeout_ms": 5_000,
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
  return new Etcd3(options);
}

function credentialsOf(tls: NonNullable<EtcdConnectionConfig["tls"]>): NonNullable<IOptions["credentials"]> {
  return {
    // Without a configured CA, trust the same CAs as Node's TLS.
    rootCertificate: Buffer.from(tls.caPem ?? rootCertificates.join("\n")),
    ...(tls.clientKeyPem === undefined ? {} : { privateKey: Buffer.from(tls.clientKeyPem) }),
    ...(tls.clientCertPem === undefined ? {} : { certChain: Buffer.from(tls.clientCertPem) }),
  };
}
