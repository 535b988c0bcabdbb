import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { startExampleRuntime, type TestExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { fillUp, mountSmallDisk, type SmallDisk } from "@modelmesh/testkit/small-disk";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Status } from "../support.js";

// The embedded store's disk fills up under a running gateway: writes are refused with
// UNAVAILABLE (the instance cannot take writes now, another may, and this one will again by
// itself: clients retry, as for etcd being down) and `/ready` answers 503; once space is freed
// writes work again and `/ready` 200, without a restart; nothing acknowledged is lost. The disk
// is a real 2 MiB tmpfs: mounting needs root, which the test command has (in CI too).
let disk: SmallDisk | undefined;
const mountPoint = () => (disk as SmallDisk).path;

beforeAll(() => {
  disk = mountSmallDisk(2 * 1024 * 1024, "mm-gateway-full-");
});

afterAll(async () => {
  await stopAllProcesses();
  disk?.remove();
});

describe("gateway on a full disk (embedded store)", () => {
  let runtime: TestExampleRuntime;
  let dataDir: string;
  const start = () =>
    startMesh({
      runtime: false,
      env: { INTERNAL_GRPC_PORT: String(runtime.port), MM_DATA_DIR: dataDir },
    });

  beforeAll(async () => {
    runtime = await startExampleRuntime();
    dataDir = join(mountPoint(), "data");
    mkdirSync(dataDir);
  });

  it("refuses writes with UNAVAILABLE and reports not ready, then recovers by itself once space is freed", async () => {
    let mesh: TestMesh = await start();
    const register = (modelId: string) =>
      mesh.management.registerModel({
        modelId,
        modelInfo: { type: "DUMMY", path: `${modelId}-${"p".repeat(2000)}` },
      });
    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      await register(`before-${i}`);
      acked.push(`before-${i}`);
    }

    const filler = join(mountPoint(), "filler");
    fillUp(filler);
    // The last pages of the log may still take a few records: register until refused.
    let refusal: unknown;
    let refused = "";
    for (let i = 0; i < 300 && refusal === undefined; i++) {
      await register(`full-${i}`).then(
        () => acked.push(`full-${i}`),
        (error: unknown) => {
          refusal = error;
          refused = `full-${i}`;
        },
      );
    }
    expect(refusal).toBeInstanceOf(ConnectError);
    const error = refusal as ConnectError;
    expect(Code[error.code], error.rawMessage).toBe(Code[Code.Unavailable]);
    expect(error.rawMessage).toMatch(/disk of the embedded store is full: could not write to .*ENOSPC/);
    await waitUntil(async () => (await mesh.probe("/ready")) === 503, {
      timeoutMs: 10_000,
      description: "/ready 503 while the disk is full",
    });
    expect(await mesh.probe("/live")).toBe(200);
    // Reads still work.
    expect(Status[(await mesh.management.getModelStatus({ modelId: "before-0" })).status]).toBe("NOT_LOADED");

    rmSync(filler);
    await waitUntil(async () => (await mesh.probe("/ready")) === 200, {
      timeoutMs: 20_000,
      description: "/ready 200 after space was freed",
    });
    for (let i = 0; i < 5; i++) {
      await register(`after-${i}`);
      acked.push(`after-${i}`);
    }
    await waitUntil(
      () => mesh.logs().some((line) => line.msg?.includes("embedded store writes work again")),
      {
        description: "the log line of the recovery",
      },
    );

    expect(await mesh.stop()).toBe(0);
    mesh = await start();
    for (const modelId of acked) {
      const status = await mesh.management.getModelStatus({ modelId });
      expect(Status[status.status], modelId).not.toBe("NOT_FOUND");
    }
    // What was refused was not applied.
    expect(Status[(await mesh.management.getModelStatus({ modelId: refused })).status]).toBe("NOT_FOUND");
    expect(await mesh.stop()).toBe(0);
  }, 120_000);
});
