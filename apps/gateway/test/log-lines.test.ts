import { Code } from "@connectrpc/connect";
import { modelHeader, startMesh, type TestMesh } from "@modelmesh/testkit/mesh";
import { stopAllProcesses } from "@modelmesh/testkit/processes";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duplicateJsonKeys } from "./json-keys.js";
import { expectCode, registerLoaded } from "./support.js";

afterAll(stopAllProcesses);

// Every JSON log line of a real gateway carries each field once (JSON.parse would hide a second
// `instanceId`, so the raw text is scanned), through start-up, calls, failures and shutdown.
describe("gateway log lines", () => {
  let mesh: TestMesh;
  let output = "";
  beforeAll(async () => {
    mesh = await startMesh({
      env: {
        MM_LOG_LEVEL: "debug",
        MM_LOG_EACH_INVOKE: "true",
        // A request header mapped onto a field the mesh binds itself.
        MM_LOG_REQUEST_HEADERS: JSON.stringify({ "x-request-id": "requestId", "x-model": "modelId" }),
        MM_PAYLOAD_PROCESSORS: "logger://",
      },
    });
    await registerLoaded(mesh, "log-lines-model");
    await mesh.predictor.predict(
      { text: "a" },
      { headers: { ...modelHeader("log-lines-model"), "x-request-id": "r1", "x-model": "from-header" } },
    );
    await expectCode(
      mesh.predictor.predict(
        { text: "b" },
        { headers: { ...modelHeader("log-lines-missing"), "x-request-id": "r2" } },
      ),
      Code.NotFound,
    );
    expect(await mesh.stop()).toBe(0);
    output = mesh.gateway.output();
  }, 120_000);

  const jsonLines = () => output.split("\n").filter((l) => l.startsWith("{"));

  it("has no duplicated keys in any line", () => {
    expect(jsonLines().length).toBeGreaterThan(10);
    const offenders = jsonLines()
      .map((line) => ({ line, duplicates: duplicateJsonKeys(line) }))
      .filter((l) => l.duplicates.length > 0);
    expect(offenders).toEqual([]);
  });

  it("still carries the instance id on the mesh's lines and the call's fields on its lines", () => {
    const lines = jsonLines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => l.instanceId === mesh.instanceId)).toBe(true);
    const invoke = lines.find(
      (l) => String(l.msg).startsWith("invoking model runtime") && l.requestId === "r1",
    );
    // The line's own model id wins over the header mapped onto the same field.
    expect(invoke).toMatchObject({ component: "model-mesh", modelId: "log-lines-model" });
  });
});
