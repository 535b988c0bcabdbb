import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";

/** A value, or every problem found while loading it. */
export type Loaded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly errors: string[] };

/** The external port's key pair as read from its files. */
export interface KeyPair {
  /** The certificate chain, PEM (leaf first). */
  readonly cert: Buffer;
  /** The private key, PEM (possibly encrypted). */
  readonly key: Buffer;
  readonly passphrase?: string;
}

/** Where a key pair comes from. */
export interface KeyPairPaths {
  readonly certPath: string;
  readonly keyPath: string;
  readonly passphrase?: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readOne(path: string, label: string, errors: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    errors.push(`${label}: cannot read ${path}: ${reason(error)}`);
    return undefined;
  }
}

/** The PEM certificates in `pem`, parsed; problems are pushed to `errors`. */
function certificatesIn(pem: Buffer, where: string, errors: string[]): X509Certificate[] {
  const blocks = pem.toString("utf8").match(PEM_CERT) ?? [];
  if (blocks.length === 0) errors.push(`${where} holds no PEM certificate`);
  const certs: X509Certificate[] = [];
  for (const block of blocks) {
    try {
      certs.push(new X509Certificate(block));
    } catch (error) {
      errors.push(`${where} holds a certificate that cannot be parsed: ${reason(error)}`);
    }
  }
  return certs;
}

function checkValidity(cert: X509Certificate, where: string, nowMs: number, errors: string[]): void {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (to < nowMs)
    errors.push(
      `${where}: the certificate (${cert.subject.replaceAll("\n", ", ")}) expired on ${cert.validTo}`,
    );
  else if (from > nowMs)
    errors.push(
      `${where}: the certificate (${cert.subject.replaceAll("\n", ", ")}) is not valid before ${cert.validFrom}`,
    );
}

function parseKey(key: Buffer, paths: KeyPairPaths, errors: string[]): KeyObject | undefined {
  try {
    return createPrivateKey(paths.passphrase === undefined ? { key } : { key, passphrase: paths.passphrase });
  } catch (error) {
    const hint =
      paths.passphrase === undefined ? " (an encrypted key needs MM_TLS_PRIVATE_KEY_PASSPHRASE)" : "";
    errors.push(
      `MM_TLS_PRIVATE_KEY_PATH: ${paths.keyPath} is not a usable private key: ${reason(error)}${hint}`,
    );
    return undefined;
  }
}

/**
 * Reads and checks a key pair: both files readable, the certificate file holding PEM
 * certificates, the key parseable (with its passphrase), matching the first certificate, and
 * that certificate valid at `nowMs`. Every problem is reported.
 */
export function loadKeyPair(paths: KeyPairPaths, nowMs: number = Date.now()): Loaded<KeyPair> {
  const errors: string[] = [];
  const cert = readOne(paths.certPath, "MM_TLS_KEY_CERT_PATH", errors);
  const key = readOne(paths.keyPath, "MM_TLS_PRIVATE_KEY_PATH", errors);
  if (cert === undefined || key === undefined) return { ok: false, errors };
  const where = `MM_TLS_KEY_CERT_PATH: ${paths.certPath}`;
  const [leaf] = certificatesIn(cert, where, errors);
  const keyObject = parseKey(key, paths, errors);
  if (leaf !== undefined) checkValidity(leaf, where, nowMs, errors);
  if (leaf !== undefined && keyObject !== undefined && !leaf.checkPrivateKey(keyObject))
    errors.push(
      `MM_TLS_PRIVATE_KEY_PATH: ${paths.keyPath} does not match the certificate in ${paths.certPath}`,
    );
  if (errors.length > 0) return { ok: false, errors };
  const pair = { cert, key, ...(paths.passphrase === undefined ? {} : { passphrase: paths.passphrase }) };
  try {
    createSecureContext(pair);
  } catch (error) {
    return {
      ok: false,
      errors: [`MM_TLS_KEY_CERT_PATH / MM_TLS_PRIVATE_KEY_PATH: unusable for TLS: ${reason(error)}`],
    };
  }
  return { ok: true, value: pair };
}

/** The files a trust path names: the file itself, or the `*.pem` files of a folder (sorted). */
export function trustFilesOf(path: string): string[] {
  try {
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => name.endsWith(".pem"))
      .sort()
      .map((name) => join(path, name));
  } catch {
    return [path];
  }
}

/**
 * Reads the certificates of trust `paths` (files, or folders of `*.pem`), each PEM block one
 * certificate. A path that cannot be read or holds no certificate is an error (`label` names the
 * option in messages).
 */
export function loadCertificates(paths: readonly string[], label: string): Loaded<Buffer[]> {
  const errors: string[] = [];
  const certs: Buffer[] = [];
  for (const path of paths) {
    const files = trustFilesOf(path);
    if (files.length === 0) errors.push(`${label}: ${path} is a folder without *.pem files`);
    for (const file of files) {
      const pem = readOne(file, label, errors);
      if (pem === undefined) continue;
      const parsed = certificatesIn(pem, `${label}: ${file}`, errors);
      for (const cert of parsed) certs.push(Buffer.from(cert.toString()));
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: certs };
}

/** Problems with the external port's key pair (empty when usable). */
export function checkServingMaterial(paths: KeyPairPaths): string[] {
  const loaded = loadKeyPair(paths);
  return loaded.ok ? [] : loaded.errors;
}

/** Problems with trust files (empty when usable). */
export function checkTrustFiles(paths: readonly string[], label: string): string[] {
  const loaded = loadCertificates(paths, label);
  return loaded.ok ? [] : loaded.errors;
}

/** Problems with the extra peer trust files (`MM_INTERNAL_TRUST_CERTS`). */
export function checkPeerTrust(paths: readonly string[]): string[] {
  return checkTrustFiles(paths, "MM_INTERNAL_TRUST_CERTS");
}
