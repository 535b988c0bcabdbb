import { MeshError } from "@modelmesh/core";
import { waitUntil } from "@modelmesh/testkit/wait-until";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PeerClient } from "../../src/peer/peer-client.js";
import { PeerDirectory } from "../../src/peer/peer-directory.js";
import type { PeerStatusRequest } from "../../src/peer/types.js";
import { aborted, contextFor, startPeer, type TestPeer } from "./support.js";

function ensure(modelId: string, extra: Partial<PeerStatusRequest> = {}): PeerStatusRequest {
  return {
    context: contextFor(modelId, {
      hop: "load_local_only",
      cacheMissExcludes: ["peer-x"],
      knownSizeUnits: 9,
    }),
    load: true,
    sync: true,
    lastUsedMs: 1_700_000_000_000,
    excludeInstances: ["peer-y"],
    ...extra,
  };
}

/** The MeshError a call must fail with. */
async function failureOf(promise: Promise<unknown>): Promise<MeshError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MeshError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

describe("status / ensure-loaded between two peers (real sockets)", () => {
  let a: TestPeer;
  let b: TestPeer;
  let directory: PeerDirectory;
  let client: PeerClient;

  beforeAll(async () => {
    [a, b] = await Promise.all([startPeer("peer-a"), startPeer("peer-b")]);
    directory = new PeerDirectory();
    client = new PeerClient({ directory });
  });

  afterAll(async () => {
    directory.close();
    await Promise.all([a.server.close(), b.server.close()]);
  });

  it("carries the request and the answer, with the answering instance", async () => {
    b.handler.onStatus = async () => ({
      status: "LOADING",
      errors: ["earlier failure"],
      copies: [
        { location: "peer-b", copyStatus: "UNKNOWN", timeMs: 20 },
        { location: "peer-c", copyStatus: "LOADING_FAILED", timeMs: 10 },
      ],
    });
    const request = ensure("model ü");
    const answer = await client.modelStatus(b.ref, request);
    expect(answer).toEqual({
      status: "LOADING",
      errors: ["earlier failure"],
      copies: [
        { location: "peer-b", copyStatus: "UNKNOWN", timeMs: 20 },
        { location: "peer-c", copyStatus: "LOADING_FAILED", timeMs: 10 },
      ],
      instanceId: "peer-b",
    });
    expect(b.handler.statusCalls.at(-1)?.request).toEqual(request);
  });

  it("propagates the deadline", async () => {
    a.handler.onStatus = async () => ({ status: "NOT_LOADED", errors: [], copies: [] });
    const deadlineMs = Date.now() + 20_000;
    await client.modelStatus(a.ref, ensure("m", { load: false }), { deadlineMs });
    const seen = a.handler.statusCalls.at(-1)?.scope.deadlineMs;
    expect(seen).toBeDefined();
    expect(Math.abs((seen as number) - deadlineMs)).toBeLessThan(5_000);
  });

  it("cancels the handler when the sender aborts", async () => {
    let reason: unknown;
    a.handler.onStatus = async (_request, scope) => {
      reason = await aborted(scope.signal);
      throw new MeshError("CANCELLED", "stopped");
    };
    const controller = new AbortController();
    const before = a.handler.statusCalls.length;
    const failure = failureOf(client.modelStatus(a.ref, ensure("m"), { signal: controller.signal }));
    await waitUntil(() => a.handler.statusCalls.length > before, {
      description: "the call to reach the peer",
    });
    expect(client.traffic.inFlight("peer-a")).toBe(1);
    controller.abort();
    expect((await failure).code).toBe("CANCELLED");
    await waitUntil(() => reason !== undefined, { description: "the handler's signal to abort" });
    expect(client.traffic.inFlight("peer-a")).toBe(0);
  });

  const kinds: MeshError[] = [
    new MeshError("MODEL_NOT_FOUND", "model not found", { modelId: "m" }),
    new MeshError("MODEL_NOT_HERE", "model m is not loaded in instance peer-a", {
      instanceId: "peer-a",
      modelId: "m",
    }),
    new MeshError("LOAD_FAILED", "Instance does not have all required labels", { instanceId: "peer-a" }),
    new MeshError("INTERNAL", "Nowhere available to load"),
    new MeshError("RUNTIME_ERROR", "mmesh.ModelRuntime/loadModel: FAILED_PRECONDITION: no", { grpcCode: 9 }),
    new MeshError("STORE_UNAVAILABLE", "etcd is down"),
  ];
  for (const thrown of kinds) {
    it(`carries a ${thrown.code} error across the hop intact`, async () => {
      a.handler.onStatus = async () => {
        throw thrown;
      };
      const error = await failureOf(client.modelStatus(a.ref, ensure("m")));
      expect({ code: error.code, message: error.message, details: error.details }).toEqual({
        code: thrown.code,
        message: thrown.message,
        details: thrown.details,
      });
    });
  }

  it("answers not-here when the address now belongs to another instance", async () => {
    const request = ensure("m");
    const error = await failureOf(
      client.modelStatus(a.ref, {
        ...request,
        context: { ...request.context, destinationInstanceId: "peer-old" },
      }),
    );
    expect([error.code, error.details.instanceId]).toEqual(["MODEL_NOT_HERE", "peer-a"]);
  });

  it("keeps one connection per peer, replaces it when the endpoint moves and drops departed peers", () => {
    const first = directory.connectionFor(a.ref.instanceId, a.ref.record);
    const again = directory.connectionFor(a.ref.instanceId, { ...a.ref.record });
    expect(first.ok && again.ok && first.value === again.value).toBe(true);
    const moved = directory.connectionFor(a.ref.instanceId, b.ref.record);
    expect(moved.ok && first.ok && moved.value !== first.value).toBe(true);
    directory.retainOnly(new Set(["peer-b"]));
    expect(directory.size).toBe(1);
  });
});
