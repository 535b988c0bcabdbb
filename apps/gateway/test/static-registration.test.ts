import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VModelStatusInfo_VModelStatus } from "@modelmesh/proto";
import { type EtcdServer, startEtcd } from "@modelmesh/testkit/etcd";
import { type StartMeshOptions, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { startTsProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MiB, Status, sizedModel, statusOf } from "./support.js";

// Static registration at start (MM_AUTO_REGISTER_MODELS and its file variant), end to end: a
// gateway process with the example runtime registers the configured models before its /ready
// first answers 200, waits for the ensureLoaded ones, exits 1 when one of them fails to load and
// 2 (with every problem listed) for an invalid configuration.

const entry = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const dirs: string[] = [];

afterAll(async () => {
  await stopAllProcesses();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "mm-static-e2e-"));
  dirs.push(dir);
  const path = join(dir, "models.json");
  writeFileSync(path, content);
  return path;
}

/** Long enough that a /ready answering before the wait would find the model still LOADING. */
const SLOW_LOAD_MS = 2000;

/** The models most tests register: one loaded before ready (slowly), one only registered. */
const models = [
  {
    modelId: "static-eager",
    modelInfo: { type: "DUMMY", path: sizedModel(MiB, SLOW_LOAD_MS, 0) },
    ensureLoaded: true,
  },
  { modelId: "static-lazy", modelInfo: { type: "DUMMY", path: sizedModel(MiB, 0, 0) } },
];

/**
 * Starts a gateway without waiting, polls `/ready` until its first 200 (or the process exits), and
 * reads the status of `modelId` at once: what a client sees the moment the instance turns ready.
 */
async function startAndCatchReady(
  options: StartMeshOptions,
  modelId: string,
): Promise<{ mesh: TestMesh; statusAtReady: string }> {
  const mesh = await startMesh({ ...options, waitReady: false });
  const outcome = await waitUntil(
    async () => {
      if (mesh.gateway.hasExited()) return "exited";
      return (await mesh.probe("/ready")) === 200 ? "ready" : false;
    },
    { timeoutMs: 90_000, intervalMs: 50, description: "modelmesh /ready" },
  );
  expect(outcome, mesh.gateway.output()).toBe("ready");
  const statusAtReady = Status[await statusOf(mesh, modelId)] ?? "?";
  return { mesh, statusAtReady };
}

async function expectLoadFailureExit(mesh: TestMesh): Promise<void> {
  expect(await mesh.gateway.exited, mesh.gateway.output()).toBe(1);
  const failure = mesh.logs().find((l) => l.level === "error");
  expect(failure?.msg, mesh.gateway.output()).toMatch(
    /^Service startup failed: static registration: model "static-broken" failed to load: .*disk on fire/,
  );
  // Never reported ready.
  expect(mesh.logs().some((l) => l.msg === "modelmesh ready")).toBe(false);
}

describe("static registration (embedded store)", () => {
  it("registers the models and is ready only once the ensureLoaded one is loaded", async () => {
    const { mesh, statusAtReady } = await startAndCatchReady(
      { env: { MM_AUTO_REGISTER_MODELS: JSON.stringify(models) } },
      "static-eager",
    );
    expect(statusAtReady).toBe("LOADED");
    expect(Status[await statusOf(mesh, "static-lazy")]).toBe("NOT_LOADED");
    expect(Status[await statusOf(mesh, "never-registered")]).toBe("NOT_FOUND");
    expect(await mesh.stop()).toBe(0);
  });

  it("creates a vmodel from an entry with vModelId, loaded before ready, and serves calls by it", async () => {
    const vmodelEntry = {
      modelId: "static-vm-model",
      modelInfo: { type: "DUMMY", path: sizedModel(MiB, SLOW_LOAD_MS, 0) },
      vModelId: "static-vm",
      ensureLoaded: true,
    };
    const { mesh, statusAtReady } = await startAndCatchReady(
      { env: { MM_AUTO_REGISTER_MODELS: JSON.stringify([vmodelEntry]) } },
      "static-vm-model",
    );
    expect(statusAtReady).toBe("LOADED");
    const vmodel = await mesh.management.getVModelStatus({ vModelId: "static-vm" });
    expect(vmodel).toMatchObject({
      status: VModelStatusInfo_VModelStatus.DEFINED,
      activeModelId: "static-vm-model",
      targetModelId: "static-vm-model",
    });
    const answer = await mesh.predictor.predict(
      { text: "hi" },
      { headers: { "mm-vmodel-id": "static-vm" }, timeoutMs: 20_000 },
    );
    expect(answer.results[0]?.category).toBe("classification for hi by model static-vm-model");
    // Without retainAfterTransition the model belongs to the vmodel: it goes with it.
    await mesh.management.deleteVModel({ vModelId: "static-vm" });
    expect(Status[await statusOf(mesh, "static-vm-model")]).toBe("NOT_FOUND");
    expect(await mesh.stop()).toBe(0);
  });

  it("reads the models from a file (MM_AUTO_REGISTER_MODELS_PATH spelling), a single object too", async () => {
    const file = tempFile(JSON.stringify(models[0]));
    const { mesh, statusAtReady } = await startAndCatchReady(
      { env: { MM_AUTO_REGISTER_MODELS_PATH: file } },
      "static-eager",
    );
    expect(statusAtReady).toBe("LOADED");
    expect(Status[await statusOf(mesh, "static-lazy")]).toBe("NOT_FOUND");
    expect(await mesh.stop()).toBe(0);
  });

  it("exits 1 naming the model when an ensureLoaded model fails to load", async () => {
    const broken = {
      modelId: "static-broken",
      modelInfo: { type: "DUMMY", path: "FAIL_disk on fire" },
      ensureLoaded: true,
    };
    const mesh = await startMesh({
      env: { MM_AUTO_REGISTER_MODELS: JSON.stringify([...models, broken]) },
      waitReady: false,
    });
    await expectLoadFailureExit(mesh);
    await mesh.stop();
  });

  it("exits 2 listing malformed JSON and a missing file together", async () => {
    const missing = join(tmpdir(), "mm-static-e2e-missing", "models.json");
    const child = startTsProcess({
      name: "modelmesh-static-invalid",
      entry,
      env: { MM_AUTO_REGISTER_MODELS: '[{"modelId": "a",', MM_AUTO_REGISTER_MODEL_PATH: missing },
    });
    expect(await child.exited, child.output()).toBe(2);
    const output = child.output();
    expect(output).toContain("invalid configuration (2 problems)");
    expect(output).toContain(`MM_AUTO_REGISTER_MODEL_PATH=${missing}: cannot read (ENOENT`);
    expect(output).toMatch(/MM_AUTO_REGISTER_MODELS: is not valid JSON \(/);
  });

  it("exits 2 listing retainAfterTransition without vModelId and every bad entry of a file", async () => {
    const file = tempFile(
      '[{"modelId": "a", "modelInfo": {"type": 3}}, {"modelInfo": {"type": "t"}, "x": 1}]',
    );
    const child = startTsProcess({
      name: "modelmesh-static-invalid-2",
      entry,
      args: ["--auto-register-models-path", file],
      env: {
        MM_AUTO_REGISTER_MODEL: JSON.stringify([
          { modelId: "b", modelInfo: { type: "t" }, retainAfterTransition: true },
        ]),
      },
    });
    expect(await child.exited, child.output()).toBe(2);
    const output = child.output();
    expect(output).toContain("invalid configuration (4 problems)");
    for (const problem of [
      `MM_AUTO_REGISTER_MODEL_PATH=${file}: [0] ("a"): modelInfo.type must be a string`,
      `MM_AUTO_REGISTER_MODEL_PATH=${file}: [1]: unknown field x`,
      `MM_AUTO_REGISTER_MODEL_PATH=${file}: [1]: modelId is missing`,
      'MM_AUTO_REGISTER_MODELS: [0] ("b"): retainAfterTransition applies only with a vModelId',
    ]) {
      expect(output).toContain(problem);
    }
  });
});

describe("static registration (etcd)", () => {
  let etcd: EtcdServer;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.destroy();
  });

  it("registers from a file and is ready only once the ensureLoaded model is loaded", async () => {
    const file = tempFile(JSON.stringify(models));
    const { mesh, statusAtReady } = await startAndCatchReady(
      {
        store: { kind: "etcd", endpoint: etcd.endpoint },
        env: { MM_AUTO_REGISTER_MODEL_PATH: file, MM_KVSTORE_PREFIX: "static-ok" },
      },
      "static-eager",
    );
    expect(statusAtReady).toBe("LOADED");
    expect(Status[await statusOf(mesh, "static-lazy")]).toBe("NOT_LOADED");
    expect(await mesh.stop()).toBe(0);
  });

  it("exits 1 when an ensureLoaded model fails to load", async () => {
    const broken = {
      modelId: "static-broken",
      modelInfo: { type: "DUMMY", path: "FAIL_disk on fire" },
      ensureLoaded: true,
    };
    const mesh = await startMesh({
      store: { kind: "etcd", endpoint: etcd.endpoint },
      env: { MM_AUTO_REGISTER_MODELS: JSON.stringify([broken]), MM_KVSTORE_PREFIX: "static-broken" },
      waitReady: false,
    });
    await expectLoadFailureExit(mesh);
    await mesh.stop();
  });
});
