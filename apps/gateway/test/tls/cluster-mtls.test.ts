import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { startCluster, type TestCluster } from "@modelmesh/testkit/cluster";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClusterStore, connectClusterStore, instanceAt } from "../cluster/cluster-support.js";
import { MiB, Status, sizedModel } from "../support.js";
import { grpcJsPredict, http2Probe, presentedSerial, SecretVolume, tlsClients } from "./tls-support.js";

// ModelMeshClusterTlsTest with the peer port: three instances sharing one certificate from a
// Secret-like volume, TLS on the external port and mTLS between them (on by default with TLS),
// the CA in MM_INTERNAL_TRUST_CERTS as for a rotation. Then the certificate is rotated in the
// volume under continuous load.
describe("cluster with mTLS between instances", () => {
  let ca: TestCertificateAuthority;
  let rogueCa: TestCertificateAuthority;
  let first: TestCertFiles;
  let client: TestCertFiles;
  let volume: SecretVolume;
  let cluster: TestCluster;
  let store: ClusterStore;
  const modelId = "mtls-model";
  const trusted = () => ({ ca: ca.root.cert });

  beforeAll(async () => {
    ca = createTestCa("cluster-ca");
    rogueCa = createTestCa("rogue-peer-ca");
    first = ca.issue({ name: "instance-1" });
    client = ca.issue({ name: "client" });
    volume = new SecretVolume(mkdtempSync(join(tmpdir(), "mm-secret-")));
    volume.write({ "tls.crt": first.cert, "tls.key": first.key });
    cluster = await startCluster({
      size: 3,
      env: {
        MM_TLS_KEY_CERT_PATH: volume.path("tls.crt"),
        MM_TLS_PRIVATE_KEY_PATH: volume.path("tls.key"),
        MM_INTERNAL_TRUST_CERTS: ca.root.certPath,
        // The poll is the fallback; the test passes on file events alone when they work.
        MM_TLS_RELOAD_INTERVAL_MS: "2000",
      },
    });
    store = await connectClusterStore(cluster);
    const { management } = tlsClients(instanceAt(cluster, 0).port, trusted());
    const status = await management.registerModel({
      modelId,
      modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) },
      loadNow: true,
      sync: true,
    });
    expect(Status[status.status]).toBe("LOADED");
  }, 180_000);

  afterAll(async () => {
    await store?.close();
    await cluster?.stop();
    await stopAllProcesses();
    ca?.remove();
    rogueCa?.remove();
    if (volume !== undefined) rmSync(volume.dir, { recursive: true, force: true });
  }, 60_000);

  it("forwards calls between instances over mTLS", async () => {
    const holders = await store.holders(modelId);
    expect(holders).toHaveLength(1);
    const ingresses = cluster.instances.filter((mesh) => !holders.includes(mesh.instanceId));
    expect(ingresses).toHaveLength(2);
    for (const mesh of ingresses) {
      const { predictor } = tlsClients(mesh.port, trusted());
      const answer = await predictor.predict({ text: "via peer" }, { headers: { "mm-model-id": modelId } });
      expect(answer.results[0]?.category, `via ${mesh.instanceId}`).toBe(
        `classification for via peer by model ${modelId}`,
      );
    }
    expect(
      instanceAt(cluster, 0)
        .logs()
        .find((l) => l.msg === "peer service listening"),
    ).toMatchObject({ tls: "mtls" });
  }, 60_000);

  it("refuses peers without a trusted certificate on the peer port", async () => {
    const port = instanceAt(cluster, 0).internalPort;
    // Positive control: the cluster's own certificate is let in (and answered, here with an error status).
    expect(await http2Probe(port, { ca: ca.root.cert, client: first })).toBe("answered");
    const rogueSelfSigned = rogueCa.root;
    expect(await http2Probe(port, { ca: ca.root.cert, client: rogueSelfSigned })).not.toBe("answered");
    expect(await http2Probe(port, { ca: ca.root.cert })).not.toBe("answered");
    expect(await http2Probe(port, { plaintext: true })).not.toBe("answered");
    // A rogue server is not trusted by the instances' peer clients either: the cluster's CA does not sign it.
    expect(await presentedSerial(port, { ca: rogueCa.root.cert, client })).toMatchObject({ ok: false });
  });

  it("rotates the certificate of both ports under continuous load with no failed call", async () => {
    const next = ca.issue({ name: "instance-2" });
    const serialOf = (cert: TestCertFiles) => new X509Certificate(cert.cert).serialNumber;
    const failures: string[] = [];
    let calls = 0;
    let running = true;
    const ingress = [instanceAt(cluster, 1), instanceAt(cluster, 2)];
    const worker = async (i: number) => {
      const mesh = ingress[i % 2] ?? instanceAt(cluster, 1);
      const { predictor } = tlsClients(mesh.port, trusted());
      while (running) {
        // Every third worker opens a new connection per call: handshakes during the rotation.
        const outcome =
          i % 3 === 2
            ? await grpcJsPredict(mesh.port, trusted(), modelId)
            : await predictor
                .predict({ text: "load" }, { headers: { "mm-model-id": modelId }, timeoutMs: 20_000 })
                .then(
                  () => ({ ok: true }) as const,
                  (e: unknown) => ({ ok: false, details: String(e) }) as const,
                );
        calls++;
        if (!outcome.ok) failures.push(JSON.stringify(outcome));
      }
    };
    const load = Promise.all([0, 1, 2, 3, 4, 5].map(worker));
    await waitUntil(() => calls > 50, { timeoutMs: 20_000, description: "load running" });
    // An invalid update (a key that does not match) is refused and the old material stays.
    volume.write({ "tls.crt": next.cert, "tls.key": first.key });
    await waitUntil(
      () =>
        cluster.instances.every((m) =>
          m.logs().some((l) => l.msg?.startsWith("TLS files changed but are not usable")),
        ),
      { timeoutMs: 20_000, description: "every instance refused the mismatched pair" },
    );
    const stillOld = await presentedSerial(instanceAt(cluster, 0).port, trusted());
    expect(stillOld).toEqual({ ok: true, serial: serialOf(first) });
    volume.write({ "tls.crt": next.cert, "tls.key": next.key });
    for (const mesh of cluster.instances) {
      for (const [port, creds] of [
        [mesh.port, trusted()],
        [mesh.internalPort, { ...trusted(), client }],
      ] as const) {
        await waitUntil(
          async () => {
            const presented = await presentedSerial(port, creds);
            return presented.ok && presented.serial === serialOf(next);
          },
          { timeoutMs: 20_000, intervalMs: 100, description: `new certificate on port ${port}` },
        );
      }
    }
    const before = calls;
    await waitUntil(() => calls > before + 50, { timeoutMs: 20_000, description: "load after the rotation" });
    running = false;
    await load;
    expect(failures).toEqual([]);
    // New peer connections after the rotation: the new certificate is trusted between instances.
    expect(await http2Probe(instanceAt(cluster, 0).internalPort, { ca: ca.root.cert, client: next })).toBe(
      "answered",
    );
  }, 120_000);
});
