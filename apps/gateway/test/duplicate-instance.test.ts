import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

afterAll(stopAllProcesses);

// Two processes with one instance id would overwrite one instance record and claim each other's
// copies: the second refuses to start while the first answers on its peer port, and replaces the
// record of a first that died without removing it.
describe("a duplicate instance id", () => {
  let etcd: EtcdServer;
  let first: TestMesh;
  const instanceId = "dup-instance";
  beforeAll(async () => {
    etcd = await startEtcd();
    first = await startMesh({
      name: "dup-first",
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env: { MM_INSTANCE_ID: instanceId },
    });
  }, 120_000);
  afterAll(async () => {
    await first?.stop();
    await etcd?.destroy();
  });

  it("is refused at start while the instance using it is alive (exit 1, a clear message)", async () => {
    const second = await startMesh({
      name: "dup-second",
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env: { MM_INSTANCE_ID: instanceId },
      waitReady: false,
    });
    expect(await second.gateway.exited).toBe(1);
    const failure = second.logs().find((l) => l.level === "error");
    expect(failure?.msg).toBe(
      `Service startup failed: another live instance already uses the instance id "${instanceId}" (its peer port at 127.0.0.1:${first.internalPort} accepts connections): give each instance its own MM_INSTANCE_ID`,
    );
    await second.stop();
    // The first instance kept serving.
    expect(await first.probe()).toBe(200);
  });

  it("takes over the record of an instance that died without removing it", async () => {
    await first.gateway.kill();
    const third = await startMesh({
      name: "dup-third",
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env: { MM_INSTANCE_ID: instanceId },
    });
    await waitUntil(
      () =>
        third
          .logs()
          .some(
            (l) =>
              l.msg ===
                "an instance record with this instance id exists but its peer port does not answer: replacing it" &&
              l.previousEndpoint === `127.0.0.1:${first.internalPort}`,
          ),
      { timeoutMs: 5000, description: "the warning about the replaced record" },
    );
    expect(await third.stop()).toBe(0);
  });
});
