import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A key pair and certificate written as PEM files. */
export interface TestCertFiles {
  /** The certificate (PEM). */
  readonly certPath: string;
  /** The private key (PKCS#8 PEM, encrypted when made with a passphrase). */
  readonly keyPath: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Options for {@link TestCertificateAuthority.issue}. */
export interface IssueOptions {
  /** File name stem inside the authority's folder; must be unique per authority. */
  readonly name: string;
  /** Subject common name. Default `name`. */
  readonly commonName?: string;
  /** Subject alternative names. Default `DNS:localhost,IP:127.0.0.1`. */
  readonly altNames?: string;
  /** Validity from now, days; negative gives a certificate that expired already. Default 30. */
  readonly days?: number;
  /** Encrypts the key (PKCS#8, AES-256) with this passphrase. */
  readonly passphrase?: string;
}

/** A small certificate authority for tests, made with the `openssl` command in a temp folder. */
export interface TestCertificateAuthority {
  /** The folder holding every file of this authority. */
  readonly dir: string;
  /** The authority's own certificate (PEM file) and key. */
  readonly root: TestCertFiles;
  /** A leaf certificate signed by this authority, usable for servers and clients. */
  issue(options: IssueOptions): TestCertFiles;
  /** Removes the folder. */
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function files(dir: string, name: string): TestCertFiles {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

/** Writes a new EC P-256 key (PKCS#8), encrypted when a passphrase is given. */
function newKey(dir: string, name: string, passphrase?: string): void {
  const args = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`];
  if (passphrase !== undefined) args.push("-aes-256-cbc", "-pass", `pass:${passphrase}`);
  openssl(args, dir);
}

/**
 * Creates a certificate authority (self-signed root) named `name`. Certificates it issues carry
 * `localhost` and `127.0.0.1` by default, so they verify for the test's loopback servers. A
 * self-signed certificate that no one trusts (a rogue peer) is `createTestCa("rogue").root`.
 */
export function createTestCa(name = "test-ca"): TestCertificateAuthority {
  const dir = mkdtempSync(join(tmpdir(), `mm-${name}-`));
  newKey(dir, "ca");
  openssl(
    [
      ...["req", "-x509", "-new", "-key", "ca.key", "-out", "ca.crt", "-days", "30"],
      ...["-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE"],
      ...["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
    ],
    dir,
  );
  return {
    dir,
    root: files(dir, "ca"),
    issue(options) {
      const { name: stem } = options;
      newKey(dir, stem, options.passphrase);
      const pass = options.passphrase === undefined ? [] : ["-passin", `pass:${options.passphrase}`];
      openssl(
        [
          "req",
          "-new",
          "-key",
          `${stem}.key`,
          ...pass,
          "-subj",
          `/CN=${options.commonName ?? stem}`,
          "-out",
          `${stem}.csr`,
        ],
        dir,
      );
      const ext = join(dir, `${stem}.ext`);
      writeFileSync(
        ext,
        [
          `subjectAltName=${options.altNames ?? "DNS:localhost,IP:127.0.0.1"}`,
          "basicConstraints=CA:FALSE",
          "extendedKeyUsage=serverAuth,clientAuth",
        ].join("\n"),
      );
      const days = options.days ?? 30;
      if (days > 0) {
        openssl(
          [
            ...["x509", "-req", "-in", `${stem}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial"],
            ...["-out", `${stem}.crt`, "-extfile", ext, "-days", String(days)],
          ],
          dir,
        );
      } else {
        signBackdated({ dir, stem, ext, days });
      }
      return files(dir, stem);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Signs `<stem>.csr` with a validity that ended `-days` days ago: OpenSSL 3.0's `x509` has no
 * start-date option, `ca` does (with a throw-away database).
 */
function signBackdated(input: { dir: string; stem: string; ext: string; days: number }): void {
  const { dir, stem, ext, days } = input;
  const db = join(dir, `${stem}.db`);
  writeFileSync(db, "");
  writeFileSync(
    join(dir, `${stem}.cnf`),
    [
      "[ca]",
      "default_ca=test",
      "[test]",
      `database=${db}`,
      `new_certs_dir=${dir}`,
      `serial=${join(dir, `${stem}.serial`)}`,
      "default_md=sha256",
      "policy=any",
      "[any]",
      "commonName=supplied",
    ].join("\n"),
  );
  writeFileSync(join(dir, `${stem}.serial`), "1000\n");
  openssl(
    [
      ...["ca", "-batch", "-config", `${stem}.cnf`, "-cert", "ca.crt", "-keyfile", "ca.key", "-notext"],
      ...["-in", `${stem}.csr`, "-out", `${stem}.crt`, "-extfile", ext],
      ...["-startdate", stamp(days - 2), "-enddate", stamp(days)],
    ],
    dir,
  );
}

/** `YYYYMMDDHHMMSSZ`, `days` from now (openssl's ASN.1 time format). */
function stamp(days: number): string {
  const date = new Date(Date.now() + days * 86_400_000);
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}
