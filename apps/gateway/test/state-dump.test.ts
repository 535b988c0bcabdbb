import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, registerLoaded, Status, sizedModel } from "./support.js";

afterAll(stopAllProcesses);

// The two reserved ids of getModelStatus that dump this instance's cache and cluster view:
// ***GETSTATE*** answers it (status UNKNOWN, one line per error), ***LOGCACHE*** logs it.
describe("state dump through getModelStatus", () => {
  let mesh: TestMesh;
  beforeAll(async () => {
    mesh = await startMesh({ name: "state-dump" });
    await registerLoaded(mesh, "dump-small", sizedModel(MiB, 0, 0));
    await registerLoaded(mesh, "dump-large", sizedModel(4 * MiB, 0, 0));
  }, 120_000);
  afterAll(async () => {
    expect(await mesh?.stop()).toBe(0);
  });

  it("***GETSTATE*** answers UNKNOWN with the cache from most to least recently used and the instances", async () => {
    const answer = await mesh.management.getModelStatus({ modelId: "***GETSTATE***" });
    expect(Status[answer.status]).toBe("UNKNOWN");
    expect(answer.modelCopyInfos).toEqual([]);
    const lines = answer.errors;
    expect(lines[0]).toBe(
      `CACHESTATE: This instance: ${mesh.instanceId} (127.0.0.1:${mesh.port}, peer port ${mesh.internalPort})`,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^CACHESTATE: Cache: 2 copies, used \d+ of \d+ units/),
    );
    const copies = lines.filter((l) => /^CACHESTATE: dump-/.test(l));
    // Loaded last, used last: the large model comes first. A copy is servable (and listed as
    // SIZING) while the runtime still measures it, at its predicted weight.
    expect(copies).toHaveLength(2);
    expect(copies[0]).toMatch(/^CACHESTATE: dump-large (SIZING|ACTIVE) for .+? type=DUMMY weight=(\d+) /);
    expect(copies[1]).toMatch(/^CACHESTATE: dump-small (SIZING|ACTIVE) for .+? type=DUMMY weight=(\d+) /);
    const weight = (line: string | undefined) => Number(/weight=(\d+)/.exec(line ?? "")?.[1]);
    // 8 KiB units: 4 MiB = 512 units, 1 MiB = 128 (the runtime reports the sizes exactly).
    expect([weight(copies[0]), weight(copies[1])]).toEqual([512, 128]);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^CLUSTSTATE: ${mesh.instanceId} \\(this instance\\) location=`)),
    );
    expect(lines.at(-1)).toBe("CLUSTSTATE: Registered models: 2");
  });

  it("answers the same over Connect JSON", async () => {
    const { status, body } = await mesh.connectJson("getModelStatus", { modelId: "***GETSTATE***" });
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: "UNKNOWN" });
    expect((body as { errors: string[] }).errors[0]).toMatch(/^CACHESTATE: This instance: /);
  });

  it("***LOGCACHE*** logs the dump at info and answers as for any unknown id", async () => {
    const answer = await mesh.management.getModelStatus({ modelId: "***LOGCACHE***" });
    expect(Status[answer.status]).toBe("NOT_FOUND");
    await waitUntil(() => mesh.logs().some((l) => l.msg === "CLUSTSTATE: Registered models: 2"), {
      timeoutMs: 10_000,
      description: "the dump's last line in the log",
    });
    const dumped = mesh.logs().filter((l) => /^(CACHESTATE|CLUSTSTATE): /.test(l.msg ?? ""));
    expect(dumped.every((l) => l.level === "info")).toBe(true);
    expect(dumped.map((l) => l.msg)).toContainEqual(
      expect.stringMatching(/^CACHESTATE: dump-large (SIZING|ACTIVE) /),
    );
  });
});
