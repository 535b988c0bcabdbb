import type { ConnectionOptions, SecureContextOptions, TlsOptions } from "node:tls";

/** The key pair and trust of the peer port at one moment. */
export interface PeerTlsMaterial {
  /** This instance's certificate chain, PEM; presented as server and (for mTLS) as client. */
  readonly cert: Buffer;
  /** Its private key, PEM. */
  readonly key: Buffer;
  readonly passphrase?: string;
  /** Certificates a peer's certificate must chain to (a peer's own leaf certificate counts). */
  readonly trust: readonly Buffer[];
}

/**
 * TLS of the internal peer port, with material that may change while the process runs
 * (certificate rotation): new connections, in both directions, use what {@link PeerTls.current}
 * returns at that moment; connections already open keep theirs.
 */
export interface PeerTls {
  /** Peers must present a certificate that chains to the trust (mTLS). */
  readonly clientAuth: boolean;
  /** The material to use now. */
  current(): PeerTlsMaterial;
  /** Calls `listener` after the material changed; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

function keyPair(material: PeerTlsMaterial): SecureContextOptions {
  return {
    cert: material.cert,
    key: material.key,
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
    ca: [...material.trust],
    // A trusted certificate may be a leaf (every instance sharing one certificate, or the next
    // one listed during a rotation), not only a root.
    allowPartialTrustChain: true,
  };
}

/** The secure context of the peer port's server side. */
export function peerServerContext(material: PeerTlsMaterial): SecureContextOptions {
  return keyPair(material);
}

/** Options of the peer port's TLS server: HTTP/2 only, client certificates required with mTLS. */
export function peerServerOptions(tls: PeerTls): TlsOptions {
  return {
    ...peerServerContext(tls.current()),
    requestCert: tls.clientAuth,
    rejectUnauthorized: tls.clientAuth,
    ALPNProtocols: ["h2"],
  };
}

/**
 * Options of one outgoing peer connection. Peers are verified by their certificate's chain to
 * the trust, not by name: they are dialled by pod IP, which changes with every restart and is
 * rarely in a certificate (the original's internal transport did the same).
 */
export function peerClientOptions(material: PeerTlsMaterial): ConnectionOptions {
  return {
    ...keyPair(material),
    ALPNProtocols: ["h2"],
    checkServerIdentity: () => undefined,
  };
}
