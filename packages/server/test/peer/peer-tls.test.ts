import { createTestCa, type TestCertFiles, type TestCertificateAuthority } from "@modelmesh/testkit/certs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PeerClient } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import { listenPeerServer, type PeerServer } from "../../src/peer/peer-server.js";
import type { PeerTls, PeerTlsMaterial } from "../../src/peer/peer-tls.js";
import { contextFor, FakePeerHandler, instanceRecordAt } from "./support.js";

/** Peer TLS whose material the test swaps. */
function swappableTls(
  initial: PeerTlsMaterial,
  clientAuth = true,
): PeerTls & { swap(m: PeerTlsMaterial): void } {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    clientAuth,
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    swap(material) {
      current = material;
      for (const listener of listeners) listener();
    },
  };
}

const material = (pair: TestCertFiles, trust: readonly TestCertFiles[]): PeerTlsMaterial => ({
  cert: pair.cert,
  key: pair.key,
  trust: trust.map((t) => t.cert),
});

const request = { context: contextFor("m"), load: false, sync: false, lastUsedMs: 0, excludeInstances: [] };

// The peer protocol over TLS between a real peer server and the real client side (directory and
// client), with mutual authentication, refusals and material swapped at run time.
describe("peer port over mTLS", () => {
  let ca: TestCertificateAuthority;
  let rogueCa: TestCertificateAuthority;
  let a: TestCertFiles;
  let b: TestCertFiles;
  let server: PeerServer;
  let serverTls: ReturnType<typeof swappableTls>;
  const handler = new FakePeerHandler();
  const directories: PeerDirectory[] = [];

  /** A status call from a fresh client side (so a fresh connection) with `tls`. */
  async function callWith(tls: PeerTls | undefined): Promise<string> {
    const directory = new PeerDirectory({ ...(tls === undefined ? {} : { tls }), backoffBaseMs: 1 });
    directories.push(directory);
    const client = new PeerClient({ directory });
    const ref = { instanceId: "peer-b", record: instanceRecordAt(`127.0.0.1:${server.port}`) };
    return client.modelStatus(ref, request).then(
      (answer) => answer.status,
      (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  beforeAll(async () => {
    ca = createTestCa("peer-ca");
    rogueCa = createTestCa("peer-rogue");
    a = ca.issue({ name: "a" });
    b = ca.issue({ name: "b" });
    handler.onStatus = async () => ({ status: "NOT_LOADED", errors: [], copies: [] });
    serverTls = swappableTls(material(b, [ca.root]));
    server = await listenPeerServer({ handler, instanceId: "peer-b", host: "127.0.0.1", tls: serverTls });
  });
  afterEach(() => {
    for (const d of directories.splice(0)) d.close();
  });
  afterAll(async () => {
    await server.close();
    ca.remove();
    rogueCa.remove();
  });

  it("serves a peer with a trusted certificate", async () => {
    expect(await callWith(swappableTls(material(a, [ca.root])))).toBe("NOT_LOADED");
    // Trusting the peer's own leaf certificate is enough (instances sharing one certificate).
    expect(await callWith(swappableTls(material(b, [b])))).toBe("NOT_LOADED");
  });

  it("refuses a self-signed rogue peer, a plaintext caller, and a server it does not trust", async () => {
    const rogue = await callWith(swappableTls(material(rogueCa.root, [ca.root])));
    expect(rogue).toMatch(/^failed: call to peer peer-b/);
    expect(await callWith(undefined)).toMatch(/^failed:/);
    // The caller checks the server too: a caller trusting only the rogue CA refuses peer-b.
    expect(await callWith(swappableTls(material(a, [rogueCa.root])))).toMatch(/^failed:/);
  });

  it("uses swapped material for new connections on both sides", async () => {
    const clientTls = swappableTls(material(rogueCa.root, [ca.root]));
    const directory = new PeerDirectory({ tls: clientTls, backoffBaseMs: 1 });
    directories.push(directory);
    const client = new PeerClient({ directory });
    const ref = { instanceId: "peer-b", record: instanceRecordAt(`127.0.0.1:${server.port}`) };
    await expect(client.modelStatus(ref, request)).rejects.toThrow();
    // The client's next connection (the refused one is gone) presents the new certificate.
    clientTls.swap(material(a, [ca.root]));
    expect((await client.modelStatus(ref, request)).status).toBe("NOT_LOADED");
    // The server moves to a certificate from another CA: callers that trust only the old CA
    // are refused on new connections, callers that trust the new one are served.
    const next = rogueCa.issue({ name: "b-next" });
    serverTls.swap(material(next, [ca.root]));
    expect(await callWith(swappableTls(material(a, [ca.root])))).toMatch(/^failed:/);
    expect(await callWith(swappableTls(material(a, [rogueCa.root])))).toBe("NOT_LOADED");
    serverTls.swap(material(b, [ca.root]));
  });
});
