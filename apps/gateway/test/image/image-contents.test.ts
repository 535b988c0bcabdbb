// The container image's contents, tested without Docker: `scripts/image-contents` builds exactly
// the folder the Dockerfile copies to /opt/kserve/mmesh, and these tests run the gateway from that
// folder with `start.sh` and stop it with `stop.sh wait`, as a ModelMesh Serving pod does.
import { execFile } from "node:child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ExamplePredictor, ModelMesh, ModelStatusInfo_ModelStatus } from "@modelmesh/proto";
import { startExampleRuntime } from "@modelmesh/testkit/example-runtime";
import { freePort } from "@modelmesh/testkit/free-port";
import { meshTestEnv, modelHeader } from "@modelmesh/testkit/mesh";
import { startProcess, stopAllProcesses } from "@modelmesh/testkit/processes";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const gatewayPackage = JSON.parse(readFileSync(join(repoRoot, "apps/gateway/package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

/** Building takes about a minute on an idle 2-core machine; much longer beside other tests. */
const BUILD_TIMEOUT_MS = 600_000;

let workDir: string;
let contents: string;

beforeAll(async () => {
  // Outside the repository, so nothing can resolve a module from the workspace's node_modules.
  workDir = mkdtempSync(join(tmpdir(), "mm-image-"));
  contents = join(workDir, "mmesh");
  const startedMs = Date.now();
  await run(join(repoRoot, "scripts/image-contents"), [contents], {
    cwd: repoRoot,
    maxBuffer: 64 * 1024 * 1024,
    timeout: BUILD_TIMEOUT_MS,
  });
  console.info(
    `image contents: ${(folderBytes(contents) / 2 ** 20).toFixed(1)} MiB, built in ${((Date.now() - startedMs) / 1000).toFixed(0)} s`,
  );
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await stopAllProcesses();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

/** Bytes of every regular file under `dir` (symlinks not followed). */
function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Names of the packages at the top of `node_modules` (scoped ones as `@scope/name`). */
function topLevelPackages(nodeModules: string): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith(".")) continue;
    if (!entry.startsWith("@")) names.push(entry);
    else for (const inner of readdirSync(join(nodeModules, entry))) names.push(`${entry}/${inner}`);
  }
  return names.sort();
}

describe("scripts/image-contents", () => {
  it("lays out start.sh, stop.sh and the built gateway", () => {
    expect(relative(repoRoot, contents).startsWith("..")).toBe(true);
    for (const script of ["start.sh", "stop.sh"]) accessSync(join(contents, script), constants.X_OK);
    accessSync(join(contents, "dist/main.js"), constants.R_OK);
  });

  it("holds the gateway's production dependencies and nothing used only to build or test", () => {
    const nodeModules = join(contents, "node_modules");
    expect(topLevelPackages(nodeModules)).toEqual(Object.keys(gatewayPackage.dependencies).sort());
    // Every package installed at all, direct or not, is in pnpm's virtual store.
    const installed = readdirSync(join(nodeModules, ".pnpm"));
    const devOnly = [
      "vitest@",
      "@vitest+",
      "typescript@",
      "tsx@",
      "esbuild@",
      "vite@",
      "fast-check@",
      "turbo@",
      "@biomejs+",
      "@bufbuild+buf@",
      "@changesets+",
      "@modelmesh+testkit@",
      "@modelmesh+example-runtime@",
    ];
    expect(installed.filter((name) => devOnly.some((prefix) => name.startsWith(prefix)))).toEqual([]);
    // Workspace packages are built copies: their code is the compiled JavaScript.
    for (const name of Object.keys(gatewayPackage.dependencies).filter((n) => n.startsWith("@modelmesh/"))) {
      accessSync(join(nodeModules, name, "dist/index.js"), constants.R_OK);
    }
  });

  it("refuses a folder that is not empty", async () => {
    const error = await run(join(repoRoot, "scripts/image-contents"), [contents], { cwd: repoRoot }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toContain("is not empty");
  });
});

describe("start.sh and stop.sh", () => {
  it("start.sh serves a model; `stop.sh wait` drains the gateway, which exits 0", async () => {
    const runtime = await startExampleRuntime();
    const ports = {
      port: await freePort(),
      probePort: await freePort(),
      prestopPort: await freePort(),
      internalPort: await freePort(),
    };
    const pidFile = join(workDir, "modelmesh.pid");
    const env: Record<string, string | undefined> = {
      ...meshTestEnv(ports),
      INTERNAL_GRPC_PORT: String(runtime.port),
      MM_DATA_DIR: join(workDir, "data"),
      MM_PID_FILE: pidFile,
      // Nothing from this test process's Node setup reaches the gateway.
      NODE_OPTIONS: undefined,
    };
    // Started from an unrelated folder, as a container would: the script finds its own files.
    const gateway = startProcess({
      name: "image-gateway",
      command: join(contents, "start.sh"),
      env,
      cwd: workDir,
      keepLines: 2000,
    });
    await waitUntil(
      async () => {
        if (gateway.hasExited()) throw new Error(`gateway exited:\n${gateway.output()}`);
        const response = await fetch(`http://127.0.0.1:${ports.probePort}/ready`);
        return response.status === 200;
      },
      { timeoutMs: 90_000, intervalMs: 100, description: "/ready of the gateway started by start.sh" },
    );
    // `exec` kept the shell's pid: the pid file names the Node process itself.
    expect(readFileSync(pidFile, "utf8").trim()).toBe(String(gateway.pid));

    const transport = createGrpcTransport({ baseUrl: `http://127.0.0.1:${ports.port}` });
    const modelId = "image-model";
    const registered = await createClient(ModelMesh, transport).registerModel({
      modelId,
      modelInfo: { type: "ExampleType", path: `SIZE_${1024 * 1024}_0_0` },
      loadNow: true,
      sync: true,
    });
    expect(registered.status).toBe(ModelStatusInfo_ModelStatus.LOADED);
    const predictor = createClient(ExamplePredictor, transport);
    const answer = await predictor.predict({ text: "hello" }, { headers: modelHeader(modelId) });
    expect(answer.results[0]?.category).toBe(`classification for hello by model ${modelId}`);

    // A call still running when the preStop hook starts must finish before the gateway exits.
    const inFlight = predictor.predict({ text: "test:delay:2000" }, { headers: modelHeader(modelId) });
    await runtime.waitForEvent("delay-started");
    const stopped = await run(join(contents, "stop.sh"), ["wait"], {
      env: { ...process.env, ...env, NODE_OPTIONS: "" },
    });
    expect(stopped.stderr).toContain("pre-stop answered: exiting");
    expect(stopped.stderr).toContain("the gateway has exited");
    expect((await inFlight).results[0]?.category).toBe(
      `classification for test:delay:2000 by model ${modelId}`,
    );
    expect(await gateway.exited).toBe(0);
    expect(gateway.output()).toContain('"msg":"shutdown complete"');
    await runtime.stop();
  });

  it("`stop.sh wait` with no gateway running returns 0 at once", async () => {
    const result = await run(join(contents, "stop.sh"), ["wait"], {
      env: { ...process.env, MM_PID_FILE: join(workDir, "nobody.pid") },
    });
    expect(result.stderr).toContain("no running gateway found");
  });
});
