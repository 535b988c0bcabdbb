import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config.js";

describe("readTlsSection()", () => {
  let ca: TestCertificateAuthority;
  let server: TestCertFiles;
  let other: TestCertFiles;
  let expired: TestCertFiles;
  let encrypted: TestCertFiles;
  const load = (env: Record<string, string>) => loadConfig({ env, argv: [] });
  const pair = (cert: TestCertFiles, key: TestCertFiles = cert) => ({
    MM_TLS_KEY_CERT_PATH: cert.certPath,
    MM_TLS_PRIVATE_KEY_PATH: key.keyPath,
  });

  beforeAll(() => {
    ca = createTestCa("config-ca");
    server = ca.issue({ name: "server" });
    other = ca.issue({ name: "other" });
    expired = ca.issue({ name: "expired", days: -1 });
    encrypted = ca.issue({ name: "encrypted", passphrase: "pw" });
  });
  afterAll(() => ca.remove());

  it("is off without a private key; peer TLS and mTLS follow serving TLS by default", () => {
    const off = load({});
    expect(off.kind === "ok" && off.config.tls).toEqual({
      serving: null,
      peer: null,
      reloadIntervalMs: 10_000,
    });
    const on = load(pair(server));
    expect(on.kind === "ok" && on.config.tls).toEqual({
      serving: { certPath: server.certPath, keyPath: server.keyPath, clientAuth: "NONE", trustPaths: null },
      peer: { clientAuth: true, extraTrustPaths: [] },
      reloadIntervalMs: 10_000,
    });
    const noSsl = load({ ...pair(server), MM_ENABLE_SSL: "false" });
    expect(noSsl.kind === "ok" && noSsl.config.tls.peer).toBeNull();
    const noMtls = load({ ...pair(server), MM_INTRACLUSTER_CLIENTAUTH: "false", MM_TRUST_CERTS: ca.dir });
    expect(noMtls.kind === "ok" && noMtls.config.tls.peer).toEqual({
      clientAuth: false,
      extraTrustPaths: [ca.dir],
    });
  });

  it("reads MM_TLS_CLIENT_AUTH in any case and the trust list", () => {
    const result = load({
      ...pair(server),
      MM_TLS_CLIENT_AUTH: "optional",
      MM_TLS_TRUST_CERT_PATH: ` ${ca.root.certPath} ,`,
    });
    expect(result.kind === "ok" && result.config.tls.serving).toMatchObject({
      clientAuth: "OPTIONAL",
      trustPaths: [ca.root.certPath],
    });
  });

  it("decrypts a key with its passphrase, and says what is wrong without one", () => {
    expect(load({ ...pair(encrypted), MM_TLS_PRIVATE_KEY_PASSPHRASE: "pw" }).kind).toBe("ok");
    const missing = load(pair(encrypted));
    expect(missing.kind === "invalid" && missing.errors.join("\n")).toContain(
      "an encrypted key needs MM_TLS_PRIVATE_KEY_PASSPHRASE",
    );
  });

  it("reports every problem at once: client auth without TLS, expired or mismatched pairs, unreadable trust", () => {
    const bad = join(ca.dir, "garbage.pem");
    writeFileSync(bad, "not a certificate");
    const cases: [Record<string, string>, string[]][] = [
      [{ MM_TLS_CLIENT_AUTH: "REQUIRE" }, ["MM_TLS_CLIENT_AUTH=REQUIRE needs TLS"]],
      [
        { MM_TLS_CLIENT_AUTH: "sometimes" },
        ['MM_TLS_CLIENT_AUTH="sometimes": must be one of NONE, OPTIONAL, REQUIRE'],
      ],
      [
        { MM_TLS_KEY_CERT_PATH: server.certPath },
        ["MM_TLS_KEY_CERT_PATH is set without MM_TLS_PRIVATE_KEY_PATH"],
      ],
      [pair(expired), ["expired on"]],
      [pair(server, other), [`${other.keyPath} does not match the certificate in ${server.certPath}`]],
      [
        { ...pair(server), MM_TLS_TRUST_CERT_PATH: `${bad},/nowhere.pem`, MM_INTERNAL_TRUST_CERTS: bad },
        [
          `MM_TLS_TRUST_CERT_PATH: ${bad} holds no PEM certificate`,
          "MM_TLS_TRUST_CERT_PATH: cannot read /nowhere.pem",
          `MM_INTERNAL_TRUST_CERTS: ${bad} holds no PEM certificate`,
        ],
      ],
    ];
    for (const [env, expected] of cases) {
      const result = load(env);
      expect(result.kind, JSON.stringify(env)).toBe("invalid");
      const text = result.kind === "invalid" ? result.errors.join("\n") : "";
      for (const e of expected) expect(text).toContain(e);
    }
  });

  it("warns about the deprecated names and no longer calls TLS unsupported", () => {
    const result = load({
      MM_SVC_GRPC_CA_CERT_PATH: server.certPath,
      TAS_SVC_GRPC_PRIVATE_KEY_PATH: server.keyPath,
    });
    expect(result.kind).toBe("ok");
    const warnings = result.kind === "ok" ? result.warnings : [];
    expect(warnings).toContain("MM_SVC_GRPC_CA_CERT_PATH is deprecated; use MM_TLS_KEY_CERT_PATH");
    expect(warnings).toContain("TAS_SVC_GRPC_PRIVATE_KEY_PATH is deprecated; use MM_TLS_PRIVATE_KEY_PATH");
    expect(warnings.join("\n")).not.toContain("not supported");
  });
});
