import { freePort } from "@modelmesh/testkit/free-port";
import { startMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, describe, expect, it } from "vitest";

afterAll(stopAllProcesses);

// ModelMeshEtcdFailFastTest: with etcd unreachable, the process exits non-zero within 5 s of
// starting, saying "Service startup failed: Problem connecting to etcd".
describe("ModelMeshEtcdFailFastTest", () => {
  it("etcdFailFastTest: exits non-zero within 5 s with a clear message", async () => {
    const unused = await freePort();
    const mesh = await startMesh({
      store: { kind: "etcd", endpoint: `http://127.0.0.1:${unused}` },
      env: { MM_SERVICE_NAME: "fail-fast-test-cluster" },
      waitReady: false,
    });
    const code = await mesh.gateway.exited;
    const exitedAt = Date.now();
    expect(code, mesh.gateway.output()).not.toBe(0);
    const logs = mesh.logs();
    const failure = logs.find((l) => l.level === "error");
    expect(failure?.msg, mesh.gateway.output()).toMatch(
      /^Service startup failed: Problem connecting to etcd/,
    );
    // Measured from the process's first log line, so Node's and tsx's own start-up on a busy
    // machine do not count (the original measured a JVM already running).
    const startedAt = Date.parse(String(logs.find((l) => l.msg === "modelmesh starting")?.time));
    expect(exitedAt - startedAt).toBeLessThan(5000);
    await mesh.stop();
  });
});
