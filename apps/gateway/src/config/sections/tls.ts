import { checkPeerTrust, checkServingMaterial, checkTrustFiles } from "../../tls/tls-material.js";
import { boolean, integer, oneOf, text } from "../parsers.js";
import type { ConfigReader, ValueParser } from "../reader.js";

/** `MM_TLS_CLIENT_AUTH`: whether clients of the external port must present a certificate. */
export type ClientAuthMode = "NONE" | "OPTIONAL" | "REQUIRE";

/** TLS of the external port. */
export interface ServingTlsConfig {
  /** `MM_TLS_KEY_CERT_PATH`: the server's certificate chain (PEM). */
  readonly certPath: string;
  /** `MM_TLS_PRIVATE_KEY_PATH`: its private key (PEM; PKCS#8, or PKCS#1/SEC1). */
  readonly keyPath: string;
  /** `MM_TLS_PRIVATE_KEY_PASSPHRASE`: decrypts an encrypted key. */
  readonly passphrase?: string;
  readonly clientAuth: ClientAuthMode;
  /** `MM_TLS_TRUST_CERT_PATH`: PEM files client certificates must chain to; null = the system's trust store. */
  readonly trustPaths: readonly string[] | null;
}

/** TLS of the internal peer port (on whenever serving TLS is, unless `MM_ENABLE_SSL=false`). */
export interface PeerTlsConfig {
  /** `MM_INTRACLUSTER_CLIENTAUTH`: peers must present a trusted certificate too (mTLS). Default true. */
  readonly clientAuth: boolean;
  /**
   * `MM_INTERNAL_TRUST_CERTS` / `MM_TRUST_CERTS`: more certificates peers may present (files, or
   * folders of `*.pem`), besides those in the serving certificate file.
   */
  readonly extraTrustPaths: readonly string[];
}

/** TLS settings of both ports. */
export interface TlsSection {
  /** Null: the external port is plaintext (h2c and HTTP/1.1). */
  readonly serving: ServingTlsConfig | null;
  /** Null: the peer port is plaintext. */
  readonly peer: PeerTlsConfig | null;
  /** `MM_TLS_RELOAD_INTERVAL_MS`: how often the certificate files are re-read besides file events, ms. */
  readonly reloadIntervalMs: number;
}

/** A comma-separated list of paths, trimmed, empty items dropped. */
const pathList: ValueParser<readonly string[]> = (raw) => {
  const paths = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return paths.length === 0
    ? { ok: false, error: "must name at least one file" }
    : { ok: true, value: paths };
};

/** Passphrases are kept as given (spaces may be part of one). */
const secret: ValueParser<string> = (raw) => ({ ok: true, value: raw });

function readServing(r: ConfigReader) {
  const certPath = r.read(
    {
      env: ["MM_TLS_KEY_CERT_PATH", "MM_SVC_GRPC_CA_CERT_PATH", "TAS_SVC_GRPC_CA_CERT_PATH"],
      flag: "tls-key-cert-path",
      description: "external port TLS: certificate chain (PEM)",
    },
    text,
  );
  const keyPath = r.read(
    {
      env: ["MM_TLS_PRIVATE_KEY_PATH", "MM_SVC_GRPC_PRIVATE_KEY_PATH", "TAS_SVC_GRPC_PRIVATE_KEY_PATH"],
      flag: "tls-private-key-path",
      description: "external port TLS: private key (PEM); setting it turns TLS on",
    },
    text,
  );
  const passphrase = r.read(
    {
      env: ["MM_TLS_PRIVATE_KEY_PASSPHRASE", "MM_SVC_GRPC_PRIVATE_KEY_PASSPHRASE"],
      flag: "tls-private-key-passphrase",
      description: "passphrase of an encrypted private key",
    },
    secret,
  );
  const clientAuth = r.read(
    {
      env: "MM_TLS_CLIENT_AUTH",
      flag: "tls-client-auth",
      description: "client certificates on the external port: NONE, OPTIONAL or REQUIRE",
      default: "NONE" as ClientAuthMode,
    },
    oneOf<ClientAuthMode>("NONE", "OPTIONAL", "REQUIRE"),
  );
  const trustPaths = r.read(
    {
      env: "MM_TLS_TRUST_CERT_PATH",
      flag: "tls-trust-cert-path",
      description:
        "PEM files (comma-separated) client certificates must chain to; unset = Node's built-in CA list",
    },
    pathList,
  );
  return { certPath, keyPath, passphrase, clientAuth, trustPaths };
}

function readPeer(r: ConfigReader) {
  const enabled = r.read(
    {
      env: "MM_ENABLE_SSL",
      flag: "enable-ssl",
      description: "TLS on the internal peer port when the external port has TLS",
      default: true,
    },
    boolean,
  );
  const clientAuth = r.read(
    {
      env: "MM_INTRACLUSTER_CLIENTAUTH",
      flag: "intracluster-clientauth",
      description: "peers must present a trusted certificate (mTLS) when the peer port has TLS",
      default: true,
    },
    boolean,
  );
  const extraTrustPaths = r.read(
    {
      env: ["MM_INTERNAL_TRUST_CERTS", "MM_TRUST_CERTS"],
      flag: "internal-trust-certs",
      aliasesDeprecated: false,
      description: "more certificates peers may present: PEM files or folders of *.pem (comma-separated)",
    },
    pathList,
  );
  return { enabled, clientAuth, extraTrustPaths: extraTrustPaths ?? [] };
}

/**
 * Reads the TLS options of the external and peer ports and checks the files they name (readable,
 * a key that matches its certificate, not expired, trust files holding certificates), reporting
 * every problem at once. TLS is on when a private key is given, as in the original.
 */
export function readTlsSection(r: ConfigReader): TlsSection {
  const s = readServing(r);
  const p = readPeer(r);
  const reloadIntervalMs = r.read(
    {
      env: "MM_TLS_RELOAD_INTERVAL_MS",
      description: "re-read the TLS files this often (ms) besides file change events",
      default: 10_000,
    },
    integer(100, 3_600_000),
  );
  if (s.keyPath === undefined) {
    if (s.clientAuth !== "NONE")
      r.fail(
        `MM_TLS_CLIENT_AUTH=${s.clientAuth} needs TLS: set MM_TLS_PRIVATE_KEY_PATH and MM_TLS_KEY_CERT_PATH`,
      );
    if (s.certPath !== undefined)
      r.fail("MM_TLS_KEY_CERT_PATH is set without MM_TLS_PRIVATE_KEY_PATH: set both for TLS, or neither");
    return { serving: null, peer: null, reloadIntervalMs };
  }
  if (s.certPath === undefined) {
    r.fail("MM_TLS_PRIVATE_KEY_PATH is set without MM_TLS_KEY_CERT_PATH: set both for TLS, or neither");
    return { serving: null, peer: null, reloadIntervalMs };
  }
  const serving: ServingTlsConfig = {
    certPath: s.certPath,
    keyPath: s.keyPath,
    ...(s.passphrase === undefined ? {} : { passphrase: s.passphrase }),
    clientAuth: s.clientAuth,
    trustPaths: s.trustPaths ?? null,
  };
  for (const problem of checkServingMaterial(serving)) r.fail(problem);
  if (serving.trustPaths !== null)
    for (const problem of checkTrustFiles(serving.trustPaths, "MM_TLS_TRUST_CERT_PATH")) r.fail(problem);
  const peer = p.enabled ? { clientAuth: p.clientAuth, extraTrustPaths: p.extraTrustPaths } : null;
  if (peer !== null) for (const problem of checkPeerTrust(peer.extraTrustPaths)) r.fail(problem);
  return { serving, peer, reloadIntervalMs };
}
