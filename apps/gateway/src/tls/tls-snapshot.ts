import type { TlsSection } from "../config/sections/tls.js";
import { type KeyPair, type Loaded, loadCertificates, loadKeyPair } from "./tls-material.js";

/** Everything TLS reads from files, at one moment. */
export interface TlsSnapshot {
  /** The key pair of both ports. */
  readonly pair: KeyPair;
  /** `MM_TLS_TRUST_CERT_PATH`: what client certificates must chain to; undefined = Node's default CA list. */
  readonly clientTrust?: readonly Buffer[];
  /** What peers' certificates must chain to: the serving certificate file plus `MM_INTERNAL_TRUST_CERTS`. */
  readonly peerTrust: readonly Buffer[];
}

/** The TLS part of the config that has files to read. */
export type TlsFiles = Pick<TlsSection, "serving" | "peer">;

/** Every file path the snapshot reads (trust folders included as folders). */
export function tlsPaths(files: TlsFiles): string[] {
  const { serving, peer } = files;
  if (serving === null) return [];
  return [serving.certPath, serving.keyPath, ...(serving.trustPaths ?? []), ...(peer?.extraTrustPaths ?? [])];
}

/** Reads and checks every TLS file; null `serving` is a programming error. */
export function loadTlsSnapshot(files: TlsFiles, nowMs: number = Date.now()): Loaded<TlsSnapshot> {
  const { serving, peer } = files;
  if (serving === null) throw new Error("loadTlsSnapshot: TLS is not configured");
  const errors: string[] = [];
  const pair = loadKeyPair(serving, nowMs);
  if (!pair.ok) errors.push(...pair.errors);
  const clientTrust =
    serving.trustPaths === null ? undefined : loadCertificates(serving.trustPaths, "MM_TLS_TRUST_CERT_PATH");
  if (clientTrust !== undefined && !clientTrust.ok) errors.push(...clientTrust.errors);
  const extra = loadCertificates(peer?.extraTrustPaths ?? [], "MM_INTERNAL_TRUST_CERTS");
  if (!extra.ok) errors.push(...extra.errors);
  const own = loadCertificates([serving.certPath], "MM_TLS_KEY_CERT_PATH");
  if (!pair.ok || !own.ok || !extra.ok || (clientTrust !== undefined && !clientTrust.ok))
    return { ok: false, errors };
  return {
    ok: true,
    value: {
      pair: pair.value,
      ...(clientTrust === undefined ? {} : { clientTrust: clientTrust.value }),
      peerTrust: [...own.value, ...extra.value],
    },
  };
}

/** True when both snapshots hold the same bytes. */
export function sameSnapshot(a: TlsSnapshot, b: TlsSnapshot): boolean {
  const same = (x: readonly Buffer[] | undefined, y: readonly Buffer[] | undefined) =>
    x === undefined || y === undefined
      ? x === y
      : x.length === y.length && x.every((buffer, i) => buffer.equals(y[i] ?? Buffer.alloc(0)));
  return (
    a.pair.cert.equals(b.pair.cert) &&
    a.pair.key.equals(b.pair.key) &&
    same(a.clientTrust, b.clientTrust) &&
    same(a.peerTrust, b.peerTrust)
  );
}
