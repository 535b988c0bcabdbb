import { generate } from "selfsigned";

/** A PEM private key and certificate. */
export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

/** Validity of the metrics port's certificate, ms (ten years). */
const VALIDITY_MS = 3650 * 86_400_000;

/**
 * Makes a self-signed certificate for the metrics port's `https` scheme, in memory and offline
 * (as the original did at start; Prometheus scrapes it with `insecure_skip_verify`).
 */
export async function selfSignedCertificate(commonName: string): Promise<KeyAndCert> {
  const now = new Date();
  const pems = await generate([{ name: "commonName", value: commonName }], {
    keyType: "ec",
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALIDITY_MS),
    algorithm: "sha256",
  });
  return { key: pems.private, cert: pems.cert };
}
