import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ModelMesh } from "@modelmesh/proto";
import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel } from "../support.js";
import {
  type ClientCreds,
  curlConnect,
  grpcJsPredict,
  http2Probe,
  presentedSerial,
  tlsClients,
  tlsEnv,
} from "./tls-support.js";

const entry = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

const GRPC_UNAVAILABLE = 14;

// ModelMeshClusterTlsTest and ModelMeshClusterTlsClientAuthTest: the external port over TLS with
// each client-auth mode, reached by Connect (gRPC over HTTP/2), grpc-js and curl (Connect JSON
// over HTTP/1.1), each with its own TLS stack and credentials.
describe("external port over TLS", () => {
  let ca: TestCertificateAuthority;
  let rogueCa: TestCertificateAuthority;
  let client: TestCertFiles;
  let rogueClient: TestCertFiles;
  const meshes: Partial<Record<"NONE" | "OPTIONAL" | "REQUIRE", TestMesh>> = {};
  const mesh = (mode: "NONE" | "OPTIONAL" | "REQUIRE") => {
    const found = meshes[mode];
    if (found === undefined) throw new Error(`no mesh for ${mode}`);
    return found;
  };
  const trusting = (extra: Partial<ClientCreds> = {}): ClientCreds => ({ ca: ca.root.cert, ...extra });

  beforeAll(async () => {
    ca = createTestCa("serving-ca");
    rogueCa = createTestCa("rogue-ca");
    const server = ca.issue({ name: "server" });
    const encrypted = ca.issue({ name: "server-encrypted", passphrase: "s3cret pass" });
    client = ca.issue({ name: "client" });
    rogueClient = rogueCa.issue({ name: "rogue-client" });
    const [none, optional, require] = await Promise.all([
      startMesh({ name: "mm-tls-none", env: tlsEnv(server) }),
      startMesh({
        name: "mm-tls-optional",
        env: tlsEnv(server, { MM_TLS_CLIENT_AUTH: "optional", MM_TLS_TRUST_CERT_PATH: ca.root.certPath }),
      }),
      // The deprecated names of the original, and an encrypted key with its passphrase.
      startMesh({
        name: "mm-tls-require",
        env: {
          MM_SVC_GRPC_CA_CERT_PATH: encrypted.certPath,
          MM_SVC_GRPC_PRIVATE_KEY_PATH: encrypted.keyPath,
          MM_SVC_GRPC_PRIVATE_KEY_PASSPHRASE: "s3cret pass",
          MM_TLS_CLIENT_AUTH: "Require",
          MM_TLS_TRUST_CERT_PATH: `${rogueCa.root.certPath}, ${ca.root.certPath}`,
        },
      }),
    ]);
    Object.assign(meshes, { NONE: none, OPTIONAL: optional, REQUIRE: require });
    // One model per instance, registered over TLS by a trusted client.
    for (const [mode, m] of Object.entries(meshes)) {
      const { management } = tlsClients(m.port, trusting({ client }));
      const status = await management.registerModel({
        modelId: `tls-model-${mode}`,
        modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
        loadNow: true,
        sync: true,
      });
      expect(Status[status.status]).toBe("LOADED");
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(Object.values(meshes).map((m) => m.stop()));
    await stopAllProcesses();
    ca?.remove();
    rogueCa?.remove();
  }, 60_000);

  it("serves gRPC (Connect and grpc-js) and Connect JSON over HTTP/1.1 (curl) with TLS, no client certificate", async () => {
    const { predictor } = tlsClients(mesh("NONE").port, trusting());
    const answer = await predictor.predict(
      { text: "over tls" },
      { headers: { "mm-model-id": "tls-model-NONE" } },
    );
    expect(answer.results[0]?.category).toBe("classification for over tls by model tls-model-NONE");
    expect(await grpcJsPredict(mesh("NONE").port, trusting(), "tls-model-NONE")).toEqual({
      ok: true,
      category: "classification for over tls by model tls-model-NONE",
    });
    const curl = await curlConnect(mesh("NONE").port, { caPath: ca.root.certPath }, "getModelStatus", {
      modelId: "tls-model-NONE",
    });
    expect(curl, curl.stderr).toMatchObject({ exitCode: 0, status: 200 });
    expect(JSON.parse(curl.body)).toMatchObject({ status: "LOADED" });
  });

  it("refuses plaintext on a TLS port, and a client that does not trust the server's certificate", async () => {
    const plain = createClient(
      ModelMesh,
      createGrpcTransport({ baseUrl: `http://127.0.0.1:${mesh("NONE").port}` }),
    );
    const error = await plain
      .getModelStatus({ modelId: "tls-model-NONE" }, { timeoutMs: 10_000 })
      .catch((e) => e);
    // The TLS server drops the connection: Connect reports the HTTP/2 stream's end as cancelled.
    expect(error).toBeInstanceOf(ConnectError);
    expect(["Unavailable", "Canceled"]).toContain(Code[(error as ConnectError).code]);
    const untrusting = await grpcJsPredict(mesh("NONE").port, { ca: rogueCa.root.cert }, "tls-model-NONE");
    expect(untrusting).toMatchObject({ ok: false, code: GRPC_UNAVAILABLE });
    const curl = await curlConnect(
      mesh("NONE").port,
      { caPath: rogueCa.root.certPath },
      "getModelStatus",
      {},
    );
    expect(curl.exitCode).toBe(60); // curl: peer certificate cannot be authenticated with given CA certificates
  });

  it("REQUIRE: a trusted client certificate is accepted; none, or an untrusted one, gives UNAVAILABLE", async () => {
    const port = mesh("REQUIRE").port;
    expect(await grpcJsPredict(port, trusting({ client }), "tls-model-REQUIRE")).toMatchObject({ ok: true });
    // The second trust file (MM_TLS_TRUST_CERT_PATH is a list) makes the rogue CA's clients trusted too.
    expect(await grpcJsPredict(port, trusting({ client: rogueClient }), "tls-model-REQUIRE")).toMatchObject({
      ok: true,
    });
    const without = await grpcJsPredict(port, trusting(), "tls-model-REQUIRE");
    expect(without).toMatchObject({ ok: false, code: GRPC_UNAVAILABLE });
    const withCurl = await curlConnect(port, { caPath: ca.root.certPath, client }, "getModelStatus", {
      modelId: "tls-model-REQUIRE",
    });
    expect(withCurl, withCurl.stderr).toMatchObject({ exitCode: 0, status: 200 });
    const withoutCurl = await curlConnect(port, { caPath: ca.root.certPath }, "getModelStatus", {});
    expect(withoutCurl.exitCode, withoutCurl.stderr).not.toBe(0);
    expect(withoutCurl.status).not.toBe(200);
  });

  it("OPTIONAL: clients with no certificate or a trusted one are served, an untrusted certificate is refused", async () => {
    const port = mesh("OPTIONAL").port;
    expect(await grpcJsPredict(port, trusting(), "tls-model-OPTIONAL")).toMatchObject({ ok: true });
    expect(await grpcJsPredict(port, trusting({ client }), "tls-model-OPTIONAL")).toMatchObject({ ok: true });
    expect(await grpcJsPredict(port, trusting({ client: rogueClient }), "tls-model-OPTIONAL")).toMatchObject({
      ok: false,
      code: GRPC_UNAVAILABLE,
    });
    const curlWithout = await curlConnect(port, { caPath: ca.root.certPath }, "getModelStatus", {
      modelId: "tls-model-OPTIONAL",
    });
    expect(curlWithout, curlWithout.stderr).toMatchObject({ exitCode: 0, status: 200 });
    const curlRogue = await curlConnect(
      port,
      { caPath: ca.root.certPath, client: rogueClient },
      "getModelStatus",
      {},
    );
    expect(curlRogue.status).not.toBe(200);
  });

  it("warns about the deprecated option names it was started with", () => {
    const warnings = mesh("REQUIRE")
      .logs()
      .filter((line) => line.level === "warn")
      .map((line) => line.msg);
    expect(warnings).toContain("MM_SVC_GRPC_PRIVATE_KEY_PATH is deprecated; use MM_TLS_PRIVATE_KEY_PATH");
    expect(warnings).toContain("MM_SVC_GRPC_CA_CERT_PATH is deprecated; use MM_TLS_KEY_CERT_PATH");
  });

  it("names the problem: an expired client certificate or an untrusted server in the handshake", async () => {
    const expiredClient = ca.issue({ name: "expired-client", days: -1 });
    // The client sees the connection reset (Node's TLS server sends no alert); the server logs why.
    const refused = await http2Probe(mesh("REQUIRE").port, trusting({ client: expiredClient }));
    expect(refused).not.toBe("answered");
    await waitUntil(
      () =>
        mesh("REQUIRE")
          .logs()
          .some(
            (l) => l.msg === "external port: client certificate refused" && l.reason === "CERT_HAS_EXPIRED",
          ),
      { timeoutMs: 10_000, description: "the refusal and its reason logged" },
    );
    const untrusted = await presentedSerial(mesh("NONE").port, { ca: rogueCa.root.cert });
    expect(untrusted).toMatchObject({
      ok: false,
      error: expect.stringMatching(/unable to (verify|get local issuer)/),
    });
  });

  it("refuses to start with an expired or mismatched server certificate: every problem listed, exit 2", async () => {
    const expired = ca.issue({ name: "expired-server", days: -1 });
    const other = ca.issue({ name: "other-server" });
    const child = startTsProcess({
      name: "modelmesh-bad-tls",
      entry,
      env: {
        MM_TLS_KEY_CERT_PATH: expired.certPath,
        MM_TLS_PRIVATE_KEY_PATH: other.keyPath,
        MM_INTERNAL_TRUST_CERTS: "/no/such/trust.pem",
      },
    });
    expect(await child.exited).toBe(2);
    const output = child.output();
    expect(output).toContain("expired on");
    expect(output).toContain(`${other.keyPath} does not match the certificate in ${expired.certPath}`);
    expect(output).toContain("MM_INTERNAL_TRUST_CERTS: cannot read /no/such/trust.pem");
  });
});
